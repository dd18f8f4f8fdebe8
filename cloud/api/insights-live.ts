import type { RequestHandler } from 'express';
import type { ModuleContext } from '../../core/index.ts';
import type { InsightsDb } from '../insights/index.ts';

/**
 * Server-sent events: `aggregates` names the branches whose rollups grew since the last
 * look. The progress table is polled rather than the puller hooked, so a browser on any
 * replica hears of batches stored by every replica.
 */
export function liveEvents(db: InsightsDb, context: ModuleContext, pollMs: number): RequestHandler {
  return async (request, response) => {
    const seen = new Map<string, number>();
    const look = async () => {
      const rows = await db
        .selectFrom('insights_progress')
        .select(['branch', 'updated_at'])
        .execute();
      const changed = rows
        .filter((row) => seen.get(row.branch) !== row.updated_at)
        .map((row) => row.branch);
      for (const row of rows) seen.set(row.branch, row.updated_at);
      return changed;
    };
    await look();

    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    response.write(': connected\n\n');
    const timer = context.clock.every(pollMs, () => {
      look()
        .then((branches) => {
          if (branches.length > 0)
            response.write(`event: aggregates\ndata: ${JSON.stringify({ branches })}\n\n`);
        })
        .catch((err) =>
          context.log.child({ module: 'insights' }).warn({ err }, 'live look failed'),
        );
    });
    request.on('close', () => timer.cancel());
  };
}
