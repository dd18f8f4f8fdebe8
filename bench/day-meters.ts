// What bench/day.ts measures besides /proc: PostgreSQL sessions' CPU, the replicas' own
// metrics and the broker's drop count.
import { type Kysely, sql } from 'kysely';
import mqtt from 'mqtt';
import type { Database } from '../cloud/store/index.ts';
import { systemClock } from '../core/index.ts';
import { cpuSeconds } from './proc.ts';

/**
 * CPU seconds of the PostgreSQL sessions of each replica since `go`, by application name. A
 * session seen only after `go` counts from its start; one that ended between two samples
 * loses its last second, so the figure is a floor.
 */
export function postgresMeter(db: Kysely<Database>, runId: string) {
  const baseline = new Map<number, number>();
  const last = new Map<number, { replica: string; seconds: number }>();
  const sample = async (atGo = false) => {
    const { rows } = await sql<{ pid: number; name: string }>`
      select pid, application_name as name from pg_stat_activity
      where application_name like ${`sb-day-${runId}-%`}`.execute(db);
    for (const { pid, name } of rows) {
      try {
        const seconds = cpuSeconds(pid);
        if (!baseline.has(pid)) baseline.set(pid, atGo ? seconds : 0);
        last.set(pid, { replica: name.split('-').at(-1) ?? '', seconds });
      } catch {
        // Ended since the query: its last samples stand.
      }
    }
  };
  const byReplica = () => {
    const seconds = new Map<string, number>();
    for (const [pid, { replica, seconds: used }] of last) {
      seconds.set(replica, (seconds.get(replica) ?? 0) + used - (baseline.get(pid) ?? 0));
    }
    return seconds;
  };
  return { sample, byReplica };
}

/** The sum of a Prometheus counter or gauge on a replica's /metrics, over matching series. */
async function metricTotal(httpUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const series = line.startsWith(`${name} `) || line.startsWith(`${name}{`);
    if (series && line.includes(labels)) total += Number(line.split(' ').at(-1));
  }
  return total;
}

/**
 * Messages Mosquitto dropped because a client's queue was full (`max_queued_messages`):
 * answers and statuses the replicas never heard. Followed from the start, as the broker
 * publishes the figure each `sys_interval`.
 */
export async function brokerDrops(url: string) {
  const client = await mqtt.connectAsync(url, { clientId: 'sb-day-bench' });
  let dropped = Number.NaN;
  client.on('message', (_topic, payload) => {
    dropped = Number(payload.toString());
  });
  await client.subscribeAsync('$SYS/broker/publish/messages/dropped');
  return {
    latest: () => dropped,
    /** The count the broker published last, after waiting out one more interval. */
    final: async () => {
      await systemClock.sleep(1500);
      return dropped;
    },
    close: () => client.endAsync(),
  };
}

/** What each replica did, from its own /metrics. */
export async function replicaFigures(httpUrl: string) {
  const pulls = (outcome: string) =>
    metricTotal(httpUrl, 'sb_cloud_pulls_total', `outcome="${outcome}"`);
  return {
    records: await metricTotal(httpUrl, 'sb_cloud_records_ingested_total'),
    statuses: await metricTotal(httpUrl, 'sb_cloud_live_status_total'),
    pulls: {
      sent: await pulls('sent'),
      stored: await pulls('stored'),
      stale: await pulls('stale'),
      timeout: await pulls('timeout'),
    },
  };
}
