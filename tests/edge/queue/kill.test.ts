import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../../core/index.ts';
import { encodeMessage, type Reply, topic } from '../../../protocol/index.ts';
import { type Link, openLink } from '../../../simulator/index.ts';
import { freePort } from '../../support/services.ts';
import { eventually, tempDir } from '../../support/context.ts';
import { gatewayProcesses } from './gateway-process.ts';
import { branch } from './harness.ts';

const issuers = [
  { name: 'kiosk-web-1', source: 'web' },
  { name: 'kiosk-web-2', source: 'web' },
  { name: 'gpio-button', source: 'button' },
  { name: 'mqtt-device', source: 'bus' },
] as const;
const startGatewayProcess = gatewayProcesses();
let dir: ReturnType<typeof tempDir>;

afterEach(() => dir?.remove());

const openIssuers = (port: number) =>
  Promise.all(
    issuers.map((issuer) =>
      openLink(
        {
          url: `mqtt://127.0.0.1:${port}`,
          username: issuer.name,
          password: 'pw',
          clientId: issuer.name,
          replyTopic: topic('reply', { branch, client: issuer.name }),
          replyTimeoutMs: 500,
        },
        systemClock,
        silentLogger(),
      ),
    ),
  );

/** 250 requests for service A over about 2 s, spread over the four issuers. */
function burst(links: Link[], answers: Map<string, Reply[]>) {
  const sends: Promise<void>[] = [];
  for (let index = 0; index < 250; index++) {
    const issuer = issuers[index % 4] as (typeof issuers)[number];
    const link = links[index % 4] as Link;
    const requestId = `${issuer.name}-${index}`;
    const payload = encodeMessage('queueIssue', {
      requestId,
      replyTo: issuer.name,
      service: 'cash',
      source: issuer.source,
    });
    sends.push(
      new Promise((resolve) => setTimeout(resolve, index * 8)).then(async () => {
        const reply = await link.request(topic('queueIssue', { branch }), payload, requestId);
        if (reply) answers.set(requestId, [...(answers.get(requestId) ?? []), reply]);
      }),
    );
  }
  return Promise.all(sends);
}

function numbersIn(answers: Map<string, Reply[]>) {
  return [...answers.values()].map((replies) => {
    const numbers = new Set(replies.map((reply) => (reply.data as { number?: string }).number));
    expect(numbers.size).toBe(1);
    return [...numbers][0];
  });
}

function storedNumbers(folder: string): string[] {
  const db = new Database(join(folder, 'gateway.sqlite'), { readonly: true });
  const numbers = db.prepare('SELECT number FROM queue_tickets ORDER BY seq').pluck().all();
  db.close();
  return numbers as string[];
}

const expected = Array.from(
  { length: 250 },
  (_, index) => `A${String(index + 1).padStart(3, '0')}`,
);

describe('a burst of 250 tickets from four issuers', () => {
  it('numbers A001 to A250 once each when nothing fails', async () => {
    dir = tempDir('sb-queue-kill-');
    const port = await freePort();
    await startGatewayProcess(dir.path, port);
    const links = await openIssuers(port);
    const answers = new Map<string, Reply[]>();

    await burst(links, answers);
    await Promise.all(links.map((link) => link.close()));

    expect(answers.size).toBe(250);
    expect(numbersIn(answers).sort()).toEqual(expected);
    expect(storedNumbers(dir.path)).toEqual(expected);
  });

  it('numbers every request once, reusing none, when the gateway is SIGKILLed mid-burst', async () => {
    dir = tempDir('sb-queue-kill-');
    const port = await freePort();
    const first = await startGatewayProcess(dir.path, port);
    const links = await openIssuers(port);
    const answers = new Map<string, Reply[]>();
    const done = burst(links, answers);

    await eventually(() => answers.size >= 80, 'the first answers');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const beforeKill = answers.size;
    await startGatewayProcess(dir.path, port);
    await done;
    await Promise.all(links.map((link) => link.close()));

    expect(beforeKill).toBeLessThan(250);
    expect(answers.size).toBe(250);
    expect([...answers.values()].flat().every((reply) => reply.status === 'ok')).toBe(true);
    expect(numbersIn(answers).sort()).toEqual(expected);
    expect(storedNumbers(dir.path)).toEqual(expected);
  });
});
