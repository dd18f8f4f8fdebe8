import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/index.ts';
import { GatewayConfig } from '../../edge/config.ts';
import { reloadPlan } from '../../edge/reload.ts';

const base = {
  gateway: 'gw-1',
  branch: 'north',
  branchName: 'North',
  queue: {
    timeZone: 'Asia/Shanghai',
    services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
    counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
  },
  automation: {},
};
const config = (extra: Record<string, unknown> = {}) =>
  parseConfig('gateway.json', { ...base, ...extra }, GatewayConfig);

describe('what a reload of gateway.json takes', () => {
  it('takes nothing and restarts nothing when the file is unchanged', () => {
    const plan = reloadPlan(config(), config());

    expect(plan).toMatchObject({ reloaded: [], restart: [], needsRestart: [] });
  });

  it('restarts the modules that read a changed setting, in start order', () => {
    const plan = reloadPlan(
      config(),
      config({ branchName: 'North Gate', liveCountIntervalMs: 500 }),
    );

    expect(plan.reloaded).toEqual(['branchName', 'liveCountIntervalMs']);
    expect(plan.restart).toEqual(['sensing', 'queue', 'screens', 'automation']);
    expect(plan.config.branchName).toBe('North Gate');
  });

  it('keeps the identity, listeners and uplink as started and names them for a restart', () => {
    const next = config({ branch: 'south', http: { port: 9090 }, automation: undefined });

    const plan = reloadPlan(config(), next);

    expect(plan.needsRestart).toEqual(['branch', 'http']);
    expect(plan.reloaded).toEqual(['automation']);
    expect(plan.config.branch).toBe('north');
    expect(plan.config.http.port).toBe(8080);
    expect('automation' in plan.config).toBe(false);
  });
});
