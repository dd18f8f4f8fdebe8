import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  captureApps,
  captureRouters,
  insideLeaks,
  type Route,
  routerRoutes,
  routesOf,
} from '../../support/bad-requests.ts';
import { startUiGateway, type UiHarness } from './harness.ts';

const apps = captureApps();
const routers = captureRouters();
let gateway: UiHarness;
let technicianRoutes: Route[];

const sample: Record<string, string> = { camera: 'cam-1', counter: '1', device: 'x' };
const urlOf = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => sample[name] ?? 'x');
const key = (route: Route) => `${route.method} ${route.path}`;

beforeAll(async () => {
  // With the kiosk lead desk configured, so its route checks its input rather than answer 404.
  const kioskLeads = {
    sealPublicKey: randomBytes(32).toString('base64'),
    consent: { version: 'v1', text: 'We may call you about it.' },
    products: { card: 'Credit card' },
  };
  gateway = await startUiGateway({ automation: false, extra: { kioskLeads } });
  const app = apps.find((candidate) =>
    routesOf(candidate).some((route) => route.path === '/api/status'),
  );
  const found = [...routesOf(app as never), ...routers.flatMap(routerRoutes)];
  const served = [...new Map(found.map((route) => [key(route), route])).values()].filter((route) =>
    route.path.includes('/api/'),
  );
  // A technician route is one that turns a request without a session away.
  technicianRoutes = [];
  for (const route of served) {
    const response = await fetch(`${gateway.url}${urlOf(route.path)}`, {
      method: route.method.toUpperCase(),
    });
    await response.arrayBuffer();
    if (response.status === 401) technicianRoutes.push(route);
  }
});

afterAll(async () => gateway?.stop());

interface Case {
  label: string;
  query?: string;
  raw?: string;
  type?: string;
  path?: RegExp;
  /** Over a route's parser limit: 413; under a larger one, a 400 naming the field. */
  oversized?: boolean;
}

const namesAField = /^(?!\(body\)$|\(root\)$)[\w.-]+$/;
const json = 'application/json';

function casesFor(route: Route): Case[] {
  const cases: Case[] = [{ label: 'unknown query parameter', query: '?zzUnknown=1' }];
  if (route.method !== 'post' && route.method !== 'put') return cases;

  return [
    ...cases,
    // The queue's and the screens' own APIs name the body `body`, the others `(body)`; an
    // upload route reads no JSON and names the parameter it lacks.
    { label: 'malformed JSON', raw: '{"zz":', type: json, path: /./ },
    { label: 'a list, not an object', raw: '[1,2]', type: json, path: /./ },
    { label: 'wrong content type', raw: 'hello', type: 'text/plain', path: /./ },
    { label: 'unknown field', raw: '{"zzUnknown":1}', type: json, path: namesAField },
    {
      label: 'over the size limit',
      raw: JSON.stringify({ zzUnknown: 'x'.repeat(70_000) }),
      type: json,
      path: namesAField,
      oversized: true,
    },
  ];
}

async function send(route: Route, sent: Case) {
  const headers: Record<string, string> = { cookie: gateway.cookie };
  if (sent.type) headers['content-type'] = sent.type;
  const response = await fetch(`${gateway.url}${urlOf(route.path)}${sent.query ?? ''}`, {
    method: route.method.toUpperCase(),
    headers,
    body: sent.raw ?? null,
  });
  const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
  const error = (() => {
    try {
      return (JSON.parse(text) as { error?: { path?: string; message?: string } }).error;
    } catch {
      return undefined;
    }
  })();
  return { status: response.status, text, error };
}

describe('every technician API route with input that fails its schema', () => {
  it('finds the technician routes the gateway serves', () => {
    const paths = technicianRoutes.map(key);

    expect(paths).toContain('post /api/queue/tickets');
    expect(paths).toContain('put /screens/api/theme');
    expect(paths.length).toBeGreaterThan(40);
  });

  it('answers 400 naming the field, never 500 or a trace', async () => {
    const problems: string[] = [];
    for (const route of technicianRoutes) {
      for (const bad of casesFor(route)) {
        const answer = await send(route, bad);
        const label = `${key(route)} ${bad.label}`;
        const leak = insideLeaks(answer.text);
        if (leak) problems.push(`${label}: ${leak}`);
        if (answer.status >= 500) problems.push(`${label}: ${answer.status}`);
        if (!bad.path) continue;
        if (bad.oversized && answer.status === 413) continue;

        const status = 400;
        if (answer.status !== status) {
          problems.push(`${label}: ${answer.status}, not ${status} ${answer.text.slice(0, 100)}`);
        } else if (bad.path && !bad.path.test(answer.error?.path ?? '')) {
          problems.push(`${label}: path ${answer.error?.path}`);
        }
      }
    }

    expect(problems).toEqual([]);
  }, 300_000);
});

describe('an API path the gateway does not serve', () => {
  it('answers a JSON 404 naming the method and path, not an HTML page', async () => {
    for (const path of ['/api/nothing-here', '/screens/api/nothing-here']) {
      const response = await fetch(`${gateway.url}${path}?x=1`, {
        method: 'POST',
        headers: { cookie: gateway.cookie },
      });

      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({
        error: { code: 'SB_ERR_NOT_FOUND', message: expect.stringContaining(`POST ${path}`) },
      });
    }
  });
});
