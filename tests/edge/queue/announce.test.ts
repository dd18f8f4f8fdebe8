import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { characterCount, type QueueConfigInput, truncateText } from '../../../edge/queue/index.ts';
import { decodeMessage, type QueueEvent, topic } from '../../../protocol/index.ts';
import { eventually, tempDir } from '../../support/context.ts';
import { freePort } from '../../support/services.ts';
import { gatewayProcesses } from './gateway-process.ts';
import { branch, sampleConfig } from './harness.ts';

const startGatewayProcess = gatewayProcesses();
let dir: ReturnType<typeof tempDir>;

afterEach(() => dir?.remove());

// 𠮷 lies outside the Basic Multilingual Plane; the é arrives decomposed (e + U+0301).
const serviceName = '𠮷野家 🍜 Cafe\u0301';
const zhTemplate = '请 {number} 号顾客到 {counter} 号窗口办理 {service}';
const config: QueueConfigInput = {
  ...sampleConfig,
  services: sampleConfig.services.map((service) =>
    service.id === 'cash' ? { ...service, name: serviceName } : service,
  ),
  announcements: [{ lang: 'zh', template: zhTemplate }],
};
const expected = '请 A007 号顾客到 3 号窗口办理 𠮷野家 🍜 Café';

describe('announcements', () => {
  it('carries the same NFC UTF-8 text on the bus and in SQLite under LANG=C', async () => {
    dir = tempDir('sb-queue-announce-');
    const configFile = join(dir.path, 'queue.json');
    writeFileSync(configFile, JSON.stringify(config));
    const port = await freePort();
    await startGatewayProcess(dir.path, port, { configFile });
    const url = `mqtt://127.0.0.1:${port}`;
    const board = await mqtt.connectAsync(url, { username: 'board', password: 'pw' });
    const counters = await mqtt.connectAsync(url, { username: 'counters', password: 'pw' });
    const kiosk = await mqtt.connectAsync(url, { username: 'kiosk-web-1', password: 'pw' });
    const raw: Buffer[] = [];
    board.on('message', (_topic, payload) => void raw.push(payload));
    await board.subscribeAsync(topic('queueEvent', { branch }), { qos: 1 });

    for (let index = 1; index <= 7; index++) {
      await kiosk.publishAsync(
        topic('queueIssue', { branch }),
        JSON.stringify({ requestId: `k-${index}`, service: 'cash', source: 'web' }),
        { qos: 1 },
      );
      await counters.publishAsync(
        topic('queueCounterCommand', { branch, counter: '3' }),
        JSON.stringify({ requestId: `c3-${index}`, action: 'call-next' }),
        { qos: 1 },
      );
      await eventually(() => calls(raw).length === index, `call ${index}`);
    }
    await Promise.all([board, counters, kiosk].map((client) => client.endAsync()));

    const last = calls(raw).at(-1);
    const onBus = last?.announcement?.[0]?.text ?? '';
    const stored = storedTexts(dir.path, last?.ticket.id ?? '');
    expect(last?.ticket.number).toBe('A007');
    expect(onBus).toBe(expected);
    expect(Buffer.from(onBus, 'utf8')).toEqual(Buffer.from(expected.normalize('NFC'), 'utf8'));
    expect(raw.at(-1)?.includes(Buffer.from('𠮷', 'utf8'))).toBe(true);
    expect(onBus).not.toMatch(/%[0-9A-F]{2}|\uFFFD|\\u/);
    expect(stored).toEqual([expected]);
  });

  it('truncates by characters a reader sees, never splitting 𠮷 or an emoji', () => {
    expect([characterCount(expected), expected.length]).toEqual([30, 32]);
    expect(truncateText('𠮷野家 🍜 Café', 5)).toBe('𠮷野家 🍜');
    expect(truncateText('👩‍👩‍👧 family', 1)).toBe('👩‍👩‍👧');
    expect(truncateText('Cafe\u0301', 4)).toBe('Café');
  });
});

function calls(payloads: Buffer[]): QueueEvent[] {
  return payloads
    .map((payload) => decodeMessage('queueEvent', payload))
    .flatMap((decoded) =>
      decoded.ok && decoded.message.type === 'called' ? [decoded.message] : [],
    );
}

function storedTexts(folder: string, ticketId: string): string[] {
  const db = new Database(join(folder, 'gateway.db'), { readonly: true });
  const texts = db
    .prepare('SELECT text FROM queue_announcements WHERE ticket_id = ?')
    .pluck()
    .all(ticketId) as string[];
  db.close();
  return texts;
}
