import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { exitCodes, judgeAudit } from '../../.ci/audit.ts';
import { freePort } from '../support/services.ts';

const servers: Server[] = [];

afterAll(() => {
  for (const server of servers) server.close();
});

/** A registry on 127.0.0.1 that refuses the audit endpoint as this machine's mirror does. */
async function refusingRegistry(): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(405, { allow: 'GET,HEAD' }).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function runAudit(registry: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['--import', 'tsx', '.ci/audit.ts', `--registry=${registry}`], {
      env: { ...process.env, npm_config_fetch_retries: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('npm run audit', () => {
  it('says the registry refused the audit and exits 3, not as a pass or a finding', async () => {
    const { code, output } = await runAudit(await refusingRegistry());

    expect(code).toBe(exitCodes.unreachable);
    expect(output).toMatch(/^audit could not reach the registry: 405 Method Not Allowed/m);
    expect(output).not.toMatch(/npm error/);
  }, 60_000);

  it('says no registry answered when nothing listens', async () => {
    const { code, output } = await runAudit(`http://127.0.0.1:${await freePort()}/`);

    expect(code).toBe(exitCodes.unreachable);
    expect(output).toMatch(/^audit could not reach the registry: .*ECONNREFUSED/m);
  }, 60_000);

  it('fails on a high finding a version bump fixes and only warns on one without a fix', () => {
    const report = (fixAvailable: unknown) =>
      JSON.stringify({
        vulnerabilities: {
          'left-pad': { severity: 'critical', fixAvailable },
          'is-odd': { severity: 'moderate', fixAvailable: true },
        },
      });

    const fixable = judgeAudit(report({ name: 'left-pad', version: '1.3.1' }), '');
    const unfixable = judgeAudit(report(false), '');
    const clean = judgeAudit(JSON.stringify({ vulnerabilities: {} }), '');

    expect(fixable.code).toBe(exitCodes.findings);
    expect(fixable.lines).toContain('FAIL left-pad: critical, fixed by a version bump');
    expect(unfixable.code).toBe(exitCodes.clean);
    expect(unfixable.lines).toContain('WARN left-pad: critical, no fixed version yet');
    expect(clean).toEqual({ code: 0, lines: ['audit: 0 package(s) with known vulnerabilities'] });
  });
});
