import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/context.ts';
import { buttonProfile, startUiGateway, type UiHarness } from './harness.ts';

let gateway: UiHarness;

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });

/** Every technician route, with a sample id where the path has one. */
const routes: [string, string][] = [
  ['GET', '/api/status'],
  ['GET', '/api/health'],
  ['GET', '/api/alerts'],
  ['GET', '/api/logs'],
  ['GET', '/api/diagnostics'],
  ['GET', '/api/devices'],
  ['GET', '/api/devices/templates'],
  ['POST', '/api/devices/validate'],
  ['POST', '/api/devices'],
  ['GET', '/api/devices/x'],
  ['PUT', '/api/devices/x'],
  ['POST', '/api/devices/x/test'],
  ['GET', '/api/cameras'],
  ['GET', '/api/cameras/cam-1/still'],
  ['GET', '/api/cameras/cam-1/zones'],
  ['PUT', '/api/cameras/cam-1/zones'],
  ['GET', '/api/cameras/cam-1/live'],
  ['GET', '/api/queue'],
  ['POST', '/api/queue/leads'],
  ['POST', '/api/queue/tickets'],
  ['POST', '/api/queue/counters/1'],
  // The queue's own REST API for counters, tickets and appointments.
  ['GET', '/queue/api/state'],
  ['POST', '/queue/api/counters/1/call-next'],
  ['POST', '/queue/api/tickets'],
  ['GET', '/queue/api/appointments'],
  ['POST', '/queue/api/appointments'],
  ['POST', '/queue/api/appointments/import'],
  // Screens: registration, pairing and paired players, content, playlists, themes, proof.
  ['GET', '/screens/api/screens'],
  ['POST', '/screens/api/screens'],
  ['GET', '/screens/api/pairing-codes'],
  ['GET', '/screens/api/players'],
  ['DELETE', '/screens/api/players/x'],
  ['GET', '/screens/api/content'],
  ['POST', '/screens/api/content'],
  ['POST', '/screens/api/content/upload'],
  ['GET', '/screens/api/playlists'],
  ['PUT', '/screens/api/playlists/x'],
  ['DELETE', '/screens/api/playlists/x'],
  ['POST', '/screens/api/overrides'],
  ['GET', '/screens/api/themes'],
  ['POST', '/screens/api/themes'],
  ['PUT', '/screens/api/theme'],
  ['GET', '/screens/api/plays'],
  ['GET', '/screens/api/stats'],
];

/** Node-RED's admin API under /flows, which answers with its own error shape. */
const editorRoutes: [string, string][] = [
  ['GET', '/flows/flows'],
  ['POST', '/flows/flows'],
  ['GET', '/flows/settings'],
  ['GET', '/flows/nodes'],
  ['POST', '/flows/nodes'],
  ['POST', '/flows/inject/x'],
  ['GET', '/flows/credentials/sb-queue-in/x'],
];

describe('the technician API', () => {
  beforeAll(async () => {
    gateway = await startUiGateway({
      automation: true,
      cameras: [
        { id: 'cam-1', source: { kind: 'synthetic', seed: 3 }, fps: 2 },
        // A stream that refuses: its address, with its login, turns up in state and logs.
        { id: 'door-cam', source: { kind: 'url', url: 'rtsp://admin:cam-pass-9@127.0.0.1:1/s' } },
      ],
      extra: { automation: { credentialSecret: 'automation-secret-4d2e' } },
    });
  });
  afterAll(async () => gateway?.stop());

  it('refuses every route without a session and sends pages to the login', async () => {
    const refused = [];
    for (const [method, path] of routes) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? null : '{}',
      });
      const body = (await response.json()) as { error?: { code?: string } };
      refused.push([path, response.status, body.error?.code]);
    }
    expect(refused).toEqual(routes.map(([, path]) => [path, 401, 'SB_ERR_UNAUTHENTICATED']));

    for (const [method, path] of editorRoutes) {
      const response = await fetch(`${gateway.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? null : '[]',
      });
      expect([method, path, response.status]).toEqual([method, path, 401]);
    }

    const editor = await fetch(`${gateway.url}/flows/`, { redirect: 'manual' });
    expect([editor.status, editor.headers.get('location')]).toEqual([303, '/login?next=%2Fflows']);

    for (const path of ['/', '/devices', '/cameras', '/queue', '/signage', '/logs', '/pairing']) {
      const response = await fetch(`${gateway.url}${path}`, { redirect: 'manual' });
      expect([path, response.status, response.headers.get('location')]).toEqual([
        path,
        303,
        `/login?next=${encodeURIComponent(path)}`,
      ]);
    }
  });

  it('refuses a forged session cookie and a wrong password', async () => {
    const forged = await fetch(`${gateway.url}/api/status`, {
      headers: { cookie: 'sb_gateway_session=made-up' },
    });
    expect(forged.status).toBe(401);

    const wrong = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=tech&password=nope',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('reports the box health and versions', async () => {
    const health = await (await gateway.api('/api/health')).json();
    expect(health.cpu.cores).toBeGreaterThan(0);
    expect(health.memory.totalBytes).toBeGreaterThan(health.memory.freeBytes);
    expect(health.disk.totalBytes).toBeGreaterThan(0);
    expect(health.versions['node-red']).toMatch(/^4\.1\./);
  });

  it('links its pages to the Node-RED editor, which runs here', async () => {
    const page = await (await gateway.api('/devices')).text();
    expect(page).toContain('<a href="/flows/">');
  });

  it('keeps its pages on plain HTTP, as a LAN address serves them', async () => {
    const login = await fetch(`${gateway.url}/login`);
    const policy = login.headers.get('content-security-policy') ?? '';

    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('upgrade-insecure-requests');
  });

  it('offers templates with no shared bus password: the form makes one, and it is required', async () => {
    const templates = await (await gateway.api('/api/devices/templates')).json();
    const passwords = Object.values(templates).map(
      (template) => (template as { bus: { password: string } }).bus.password,
    );
    expect(new Set(passwords)).toEqual(new Set(['']));

    const checked = await (
      await gateway.api('/api/devices/validate', json({ profile: templates.button }))
    ).json();
    expect(checked.problems.map((entry: { path: string }) => entry.path)).toEqual(['bus.password']);
  });

  it('names each bad field of a profile and adds a good one, which comes on the bus', async () => {
    const bad = { ...buttonProfile, connection: { type: 'gpio', pin: -3 }, version: 0 };
    const checked = await (
      await gateway.api('/api/devices/validate', json({ profile: bad }))
    ).json();
    expect(checked.problems.map((entry: { path: string }) => entry.path).sort()).toEqual([
      'connection.pin',
      'version',
    ]);

    const refused = await gateway.api('/api/devices', json({ profile: bad }));
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('SB_ERR_INVALID_REQUEST');

    const added = await gateway.api('/api/devices', json({ profile: buttonProfile }));
    expect(added.status).toBe(201);
    const online = await eventually(async () => {
      const list = await (await gateway.api('/api/devices')).json();
      return list.find(
        (entry: { device: string; state: string }) =>
          entry.device === 'button-7' && entry.state !== 'unknown',
      );
    }, 'the added button online');
    // On its bus connection and working, reported degraded because the GPIO is a stand-in.
    expect(online).toMatchObject({
      managed: true,
      simulated: true,
      kind: 'button',
      state: 'degraded',
      reason: expect.stringMatching(/^simulated/),
    });

    const again = await gateway.api('/api/devices', json({ profile: buttonProfile }));
    expect(again.status).toBe(409);
  });

  it('pushes a newer profile from the page, acknowledged, and refuses an older one', async () => {
    const put = (version: number) =>
      gateway.api('/api/devices/button-7', {
        method: 'PUT',
        body: JSON.stringify({ profile: { ...buttonProfile, version, model: `v${version}` } }),
      });

    const applied = await (await put(2)).json();
    expect(applied).toMatchObject({ status: 'ok', data: { device: 'button-7', version: 2 } });
    const detail = await (await gateway.api('/api/devices/button-7')).json();
    expect(detail.profile).toMatchObject({ version: 2, model: 'v2' });

    const older = await (await put(1)).json();
    expect(older.status).toBe('error');
    const after = await (await gateway.api('/api/devices/button-7')).json();
    expect(after.profile).toMatchObject({ version: 2, model: 'v2' });
  });

  it("answers a device's refusal of an edit with the error's HTTP status", async () => {
    const renamed = await gateway.api('/api/devices/button-7', {
      method: 'PUT',
      body: JSON.stringify({ profile: { ...buttonProfile, device: 'button-8', version: 9 } }),
    });
    expect(renamed.status).toBe(409);
    expect((await renamed.json()).error.code).toBe('SB_ERR_CONFLICT');
  });

  it("refuses a device that would take another bus client's login, on add and edit", async () => {
    const evil = {
      device: 'evil',
      kind: 'button',
      model: 'm',
      version: 1,
      connection: { type: 'gpio', pin: 5 },
      bus: { username: 'observer', password: 'pw' },
    };
    const taken = await gateway.api('/api/devices', json({ profile: evil }));
    expect(taken.status).toBe(409);
    expect((await taken.json()).error).toMatchObject({
      code: 'SB_ERR_CONFLICT',
      path: 'bus.username',
    });

    const twin = { ...evil, bus: { username: 'button-7', password: 'pw' } };
    const other = await gateway.api('/api/devices', json({ profile: twin }));
    expect((await other.json()).error.path).toBe('bus.username');

    const edited = await gateway.api('/api/devices/button-7', {
      method: 'PUT',
      body: JSON.stringify({
        profile: { ...buttonProfile, version: 10, bus: { username: 'observer', password: 'x' } },
      }),
    });
    expect(edited.status).toBe(409);
    const detail = await (await gateway.api('/api/devices/button-7')).json();
    expect(detail.profile.bus.username).toBe('button-7');
    const list = await (await gateway.api('/api/devices')).json();
    expect(list.map((entry: { device: string }) => entry.device)).not.toContain('evil');
  });

  it('presses a simulated button and shows the telemetry among its last messages', async () => {
    const pressed = await gateway.api('/api/devices/button-7/test', json({ action: 'press' }));
    expect(pressed.status).toBe(200);
    const messages = await eventually(async () => {
      const detail = await (await gateway.api('/api/devices/button-7')).json();
      const telemetry = detail.messages.filter(
        (entry: { channel: string }) => entry.channel === 'deviceTelemetry',
      );
      return telemetry.length ? telemetry : null;
    }, 'button telemetry');
    expect(messages[0].summary).toContain('"device":"button-7"');
  });

  it("offers only the tests a device's kind takes: a camera none", async () => {
    const camera = await eventually(async () => {
      const list = await (await gateway.api('/api/devices')).json();
      return list.find((entry: { device: string }) => entry.device === 'cam-1');
    }, 'the camera among the devices');
    expect(camera).toMatchObject({ kind: 'camera', tests: [] });
    const list = await (await gateway.api('/api/devices')).json();
    const button = list.find((entry: { device: string }) => entry.device === 'button-7');
    expect(button.tests).toEqual(['press']);

    const printed = await gateway.api('/api/devices/cam-1/test', json({ action: 'print' }));
    expect(printed.status).toBe(409);
    const blinked = await gateway.api('/api/devices/button-7/test', json({ action: 'blink' }));
    expect((await blinked.json()).error.path).toBe('action');
  });

  it('issues a ticket and calls it at an open counter; a closed counter refuses', async () => {
    const issued = await gateway.api('/api/queue/tickets', json({ service: 'cash' }));
    expect(issued.status).toBe(201);
    const ticket = await issued.json();

    const called = await gateway.api('/api/queue/counters/1', json({ action: 'call-next' }));
    expect((await called.json()).ticket.number).toBe(ticket.number);
    const { state } = await (await gateway.api('/api/queue')).json();
    expect(state.nowServing).toEqual([{ counter: '1', number: ticket.number, service: 'cash' }]);
    await gateway.api('/api/queue/counters/1', json({ action: 'end' }));
    const { kpis } = await (await gateway.api('/api/queue')).json();
    expect(kpis.counters).toEqual([
      expect.objectContaining({ counter: '1', served: 1, noShows: 0, withinTargetShare: 1 }),
    ]);
    expect(kpis.services.find((entry: { service: string }) => entry.service === 'cash')).toEqual(
      expect.objectContaining({ served: 1, waitSecondsP90: expect.any(Number) }),
    );

    const closed = await gateway.api('/api/queue/counters/2', json({ action: 'call-next' }));
    expect((await closed.json()).error.code).toBe('SB_ERR_COUNTER_CLOSED');
    const unknown = await gateway.api('/api/queue/counters/1', json({ action: 'dance' }));
    expect((await unknown.json()).error.path).toBe('action');
  });

  it('saves zones drawn for a camera and refuses a polygon with a corner off the frame', async () => {
    const zones = {
      zones: [
        {
          name: 'waiting',
          kind: 'waiting',
          polygon: [
            [0.1, 0.1],
            [0.6, 0.1],
            [0.6, 0.9],
          ],
        },
      ],
      lines: [],
    };
    const saved = await gateway.api('/api/cameras/cam-1/zones', {
      method: 'PUT',
      body: JSON.stringify(zones),
    });
    expect((await saved.json()).zones.zones[0].name).toBe('waiting');
    expect((await (await gateway.api('/api/cameras/cam-1/zones')).json()).zones).toHaveLength(1);

    const off = {
      zones: [
        {
          name: 'x',
          kind: 'waiting',
          polygon: [
            [0, 0],
            [1.5, 0],
            [1, 1],
          ],
        },
      ],
    };
    const refused = await gateway.api('/api/cameras/cam-1/zones', {
      method: 'PUT',
      body: JSON.stringify(off),
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.path).toBe('zones.0.polygon.1.0');

    const still = await gateway.api('/api/cameras/cam-1/still');
    expect((await still.json()).error.code).toBe('SB_ERR_NOT_FOUND');
  });

  it('answers a body that is not JSON, or is JSON null, with 400 naming the body', async () => {
    const writes: [string, string][] = [
      ['POST', '/api/devices'],
      ['POST', '/api/devices/validate'],
      ['POST', '/api/queue/tickets'],
      ['POST', '/api/queue/counters/1'],
      ['POST', '/api/queue/leads'],
      ['PUT', '/api/cameras/cam-1/zones'],
    ];
    const answers = [];
    for (const [method, path] of writes) {
      for (const body of ['{bad', 'null']) {
        const response = await gateway.api(path, { method, body });
        answers.push([path, body, response.status, (await response.json()).error]);
      }
    }

    const expected = writes.flatMap(([, path]) => [
      [path, '{bad', 400, notJson('body is not JSON')],
      [path, 'null', 400, notJson('body is JSON but not an object')],
    ]);
    expect(answers).toEqual(expected);
    expect((await gateway.api('/api/status')).status).toBe(200);
  });

  it('refuses a cross-site form post with a session cookie and takes a same-origin one', async () => {
    const post = (origin: string, site: string) =>
      gateway.api('/api/queue/tickets', {
        method: 'POST',
        headers: {
          origin,
          'sec-fetch-site': site,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'service=cash',
      });
    const issued = async () => (await (await gateway.api('/api/queue')).json()).state.issuedToday;
    const issuedBefore = await issued();

    const forged = await post('http://evil.example', 'cross-site');
    expect(forged.status).toBe(403);
    expect((await forged.json()).error).toEqual({
      code: 'SB_ERR_FORBIDDEN',
      message: 'not allowed for this identity: cross-site request',
    });
    const queueRefused = await gateway.api('/queue/api/tickets', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      body: JSON.stringify({ service: 'cash' }),
    });
    expect(queueRefused.status).toBe(403);
    expect(await issued()).toBe(issuedBefore);

    const own = await post(gateway.url, 'same-origin');
    expect(own.status).toBe(201);
    expect((await own.json()).service).toBe('cash');
    expect(await issued()).toBe(issuedBefore + 1);
  });

  it('filters the logs by module and level', async () => {
    const queue = await (await gateway.api('/api/logs?module=queue&level=info')).json();
    expect(queue.lines.length).toBeGreaterThan(0);
    expect(queue.lines.every((line: { module: string }) => line.module === 'queue')).toBe(true);

    const warnings = await (await gateway.api('/api/logs?level=warn')).json();
    expect(
      warnings.lines.every((line: { level: string }) =>
        ['warn', 'error', 'fatal'].includes(line.level),
      ),
    ).toBe(true);
    expect((await gateway.api('/api/logs?level=loud')).status).toBe(400);
  });

  it('bundles config without secrets, versions, logs and metrics for download', async () => {
    const response = await gateway.api('/api/diagnostics');
    expect(response.headers.get('content-disposition')).toMatch(
      /attachment; filename="?diagnostics-ui-gw-/,
    );
    const bundle = await response.json();
    expect(bundle.config.technicians[0]).toEqual({ username: 'tech', password: '[removed]' });
    expect(bundle.config.bus.clients[0].password).toBe('[removed]');
    expect(JSON.stringify(bundle)).not.toContain('scrypt$');
    expect(JSON.stringify(bundle)).not.toContain('button-pass');
    expect(bundle.config.automation.credentialSecret).toBe('[removed]');
    expect(bundle.config.cameras[1].source.url).toBe('rtsp://[removed]@127.0.0.1:1/s');
    for (const secret of ['automation-secret-4d2e', 'cam-pass-9', 'admin:']) {
      expect(JSON.stringify(bundle)).not.toContain(secret);
    }
    expect(bundle.versions.smartbranch).toBeTruthy();
    expect(bundle.logs.length).toBeGreaterThan(0);
    expect(bundle.metrics).toContain('sb_queue_events_total');
  });
});

function notJson(reason: string) {
  return {
    code: 'SB_ERR_INVALID_REQUEST',
    message: `request fails its schema: ${reason}`,
    path: '(body)',
  };
}
