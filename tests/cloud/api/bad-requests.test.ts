import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureApps, insideLeaks, type Route, routesOf } from '../../support/bad-requests.ts';
import { leadKeysInEnvironment, leadVariables } from '../../support/lead-keys.ts';
import {
  type Answer,
  campaignBody,
  type Harness,
  roles,
  startHarness,
} from '../campaigns/support.ts';
import { enrol } from '../peer.ts';

const apps = captureApps();
let harness: Harness;
let served: Route[];
let documented: Map<string, Operation>;
let gatewayLogin = '';

interface Operation {
  parameters?: Array<{ name: string; in: string; schema: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface JsonSchema {
  type?: string | string[];
  anyOf?: JsonSchema[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
}

/** How a route outside the OpenAPI document takes its input. */
type Input = 'body' | 'query' | 'none' | 'upload' | 'stream';

// The insights and leads routers are not in the OpenAPI document yet: their input is listed
// here. A route served but neither documented nor listed fails the first test.
const undocumented: Record<string, Input> = {
  'get /api/insights/network': 'query',
  'get /api/insights/figures': 'query',
  'get /api/insights/series': 'query',
  'get /api/insights/funnel': 'query',
  'get /api/insights/anomalies': 'query',
  'get /api/insights/branches/:branch/catchment': 'query',
  'get /api/insights/branches/:branch/place': 'query',
  'get /api/insights/branches/:branch/flows': 'query',
  'get /api/insights/branches/:branch/before-after': 'query',
  'put /api/insights/branches/:branch/site': 'body',
  'put /api/insights/branches/:branch/plan': 'upload',
  'get /api/insights/branches/:branch/plan': 'none',
  'put /api/insights/branches/:branch/cameras/:camera': 'body',
  'post /api/insights/branches/:branch/theme': 'body',
  'post /api/insights/imports': 'query',
  'post /api/insights/select': 'body',
  'post /api/insights/conversions': 'body',
  // Server-sent events: takes no input and never ends, so it is not swept.
  'get /api/insights/events': 'stream',
  'get /api/leads/seal-key': 'none',
  'get /api/leads/kiosk-settings': 'none',
  'get /api/leads': 'query',
  'get /api/leads/figures': 'query',
  'get /api/leads/export.csv': 'query',
  'get /api/leads/audit': 'none',
  'post /api/leads/erase': 'body',
  'put /api/leads/staff': 'body',
  'post /api/leads/links': 'body',
  'get /api/leads/poster.:format': 'query',
  'get /api/leads/share-video.mp4': 'query',
  'get /api/leads/:id': 'none',
  'post /api/leads/:id/step': 'body',
  'post /api/leads/:id/claim': 'none',
  'post /api/leads/:id/notes': 'body',
  'get /api/openapi.json': 'none',
  'post /api/releases': 'upload',
  'get /api/releases': 'none',
  'post /api/releases/:release/rollouts': 'body',
  'get /api/rollouts': 'none',
  'get /api/rollouts/:rollout': 'none',
  'get /api/gateway/releases/offer': 'none',
  'get /api/gateway/releases/:release/bundle': 'none',
  'post /api/gateway/releases/reports': 'body',
};

const sample: Record<string, string> = {
  sha256: 'a'.repeat(64),
  branch: encodeURIComponent('north#1'),
  code: 'ABCDE-FGHJK-MNPQ',
};

beforeAll(async () => {
  leadKeysInEnvironment();
  harness = await startHarness();
  for (const name of leadVariables) delete process.env[name];
  const document = (await (await harness.as('anonymous')).get('/api/openapi.json')).body as {
    paths: Record<string, Record<string, Operation>>;
  };
  documented = new Map(
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => [
        `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        operation,
      ]),
    ),
  );
  const enrolment = await enrol(
    harness.cloud.httpUrl,
    await harness.cloud.createEnrolmentToken('north#1'),
    'gw-bad-requests',
  );
  const { username, password } = enrolment.broker;
  // A campaign `x`, so the campaign routes check their input rather than answer 404.
  await (await harness.as('admin')).post('/api/campaigns', campaignBody('x'));
  gatewayLogin = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  served = routesOf(apps.at(-1) as never).filter((route) => route.path.startsWith('/api/'));
});

afterAll(async () => {
  await harness?.stop();
});

const key = (route: Route) => `${route.method} ${route.path}`;
const urlOf = (path: string) => path.replace(/:(\w+)/g, (_, name: string) => sample[name] ?? 'x');

type Principal = (typeof roles)[number] | 'gateway';

interface Case {
  label: string;
  query?: string;
  raw?: string | Buffer;
  type?: string;
  /** The error path a 400 must name; absent: any answer below 500 without a leak. */
  path?: RegExp;
  status?: number;
}

async function send(principal: Principal, route: Route, sent: Case): Promise<Answer> {
  const url = `${urlOf(route.path)}${sent.query ?? ''}`;
  const method = route.method.toUpperCase();
  if (principal !== 'gateway') {
    return (await harness.as(principal)).request(method, url, sent.raw, sent.type);
  }

  const headers: Record<string, string> = { authorization: gatewayLogin };
  if (sent.type) headers['content-type'] = sent.type;
  const body = sent.raw === undefined ? null : new Blob([new Uint8Array(Buffer.from(sent.raw))]);
  const response = await fetch(`${harness.cloud.httpUrl}${url}`, { method, headers, body });
  const text = await response.text();
  const parsed = (() => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  })();
  return { status: response.status, body: parsed, text, headers: response.headers } as Answer;
}

/** The answer of the first principal the route lets in (anything but 401 and 403). */
async function asPermitted(route: Route, sent: Case) {
  for (const principal of [...roles, 'gateway' as const]) {
    const answer = await send(principal, route, sent);
    if (answer.status !== 401 && answer.status !== 403) return { principal, answer };
  }
  return null;
}

const namesAField = /^(?!\(body\)$)[\w.-]+$/;
const json = 'application/json';

/** A value of the wrong type for a JSON schema property; undefined where any value fits. */
function wrongValue(schema: JsonSchema): unknown {
  const given = schema.type ?? schema.anyOf?.[0]?.type;
  const type = Array.isArray(given) ? given[0] : given;
  if (type === 'string') return 12345;
  if (type === 'array') return { not: 'a list' };
  if (type === 'object') return 'not an object';
  if (type === 'number' || type === 'integer' || type === 'boolean') return 'not a number or flag';
  return undefined;
}

function inputOf(route: Route, operation: Operation | undefined): Input | 'csv' {
  if (!operation) return undocumented[key(route)] ?? 'none';

  const content = operation.requestBody?.content ?? {};
  if (content['application/json']) return 'body';
  if (content['text/csv']) return 'csv';
  if (content['application/octet-stream']) return 'upload';
  return operation.parameters?.some((parameter) => parameter.in === 'query') ? 'query' : 'none';
}

function casesFor(route: Route): Case[] {
  const operation = documented.get(key(route));
  const input = inputOf(route, operation);
  const cases: Case[] = [{ label: 'unknown query parameter', query: '?zzUnknown=1' }];
  // Every route of the route book (the OpenAPI document) and every route taking a query refuses
  // an unknown parameter; a query missing a required one is named by that one first.
  if (operation || input === 'query') cases[0] = { ...cases[0], path: namesAField } as Case;

  for (const parameter of operation?.parameters ?? []) {
    if (parameter.in !== 'query') continue;
    const wrong = parameter.schema.type === 'string' ? 'x'.repeat(5000) : 'not-a-number';
    const query = `?${parameter.name}=${wrong}`;
    cases.push({ label: `query ${parameter.name}`, query, path: namesAField });
  }

  if (input === 'body') cases.push(...bodyCases(operation));
  if (input === 'csv') {
    cases.push({ label: 'csv', raw: 'code,"never closed\n\u0000', type: 'text/csv', path: /./ });
  }
  if (input === 'upload') {
    const garbage = Buffer.from('not a gzip or an image at all');
    cases.push({ label: 'empty upload', raw: '', type: 'application/octet-stream', path: /./ });
    cases.push({ label: 'garbage upload', raw: garbage, type: 'application/gzip' });
  }
  return cases;
}

function bodyCases(operation: Operation | undefined): Case[] {
  const huge = JSON.stringify({ zzUnknown: 'x'.repeat(70_000) });
  const cases: Case[] = [
    { label: 'malformed JSON', raw: '{"zz":', type: json, path: /^\(body\)$/ },
    { label: 'a list, not an object', raw: '[1,2]', type: json, path: /./ },
    { label: 'wrong content type', raw: 'hello', type: 'text/plain', path: /./ },
    { label: 'unknown field', raw: '{"zzUnknown":1}', type: json, path: namesAField },
    { label: 'over the size limit', raw: huge, type: json, status: 413 },
  ];
  const schema = operation?.requestBody?.content['application/json']?.schema;
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    // The refusal names this field, or a required one the one-field body lacks.
    const others = (schema?.required ?? []).filter((field) => field !== name);
    const named = new RegExp(`^(${[name, ...others].join('|')})(\\.|$)`);
    const wrong = wrongValue(property);
    if (wrong === undefined) continue;
    const raw = JSON.stringify({ [name]: wrong });
    cases.push({ label: `field ${name} of the wrong type`, raw, type: json, path: named });
    if (wrong === 12345) {
      const long = JSON.stringify({ [name]: 'x'.repeat(20_000) });
      cases.push({ label: `field ${name} 20,000 long`, raw: long, type: json, path: named });
    }
  }
  return cases;
}

function problem(label: string, answer: Answer, expected: Case): string | null {
  const leak = insideLeaks(answer.text);
  if (leak) return `${label}: ${leak}`;
  if (answer.status >= 500) return `${label}: ${answer.status} ${answer.text.slice(0, 120)}`;
  // A refusal quotes a bad value cut short, never the whole 20,000 characters sent.
  if (answer.status >= 400 && answer.text.length > 1000)
    return `${label}: a ${answer.text.length}-character answer`;
  if (!expected.path && !expected.status) return null;

  const error = (answer.body as { error?: { path?: string; message?: string } } | null)?.error;
  const status = expected.status ?? 400;
  if (answer.status !== status) return `${label}: ${answer.status}, not ${status}`;
  if (!expected.path) return null;
  if (!error?.path || !expected.path.test(error.path)) return `${label}: path ${error?.path}`;
  const named = error.path === '(body)' || error.message?.includes(error.path);
  if (!named) return `${label}: message ${error.message}`;
  return null;
}

describe('every route of the cloud API with input that fails its schema', () => {
  it('is either in the OpenAPI document or listed with its input here', () => {
    const unknown = served.filter((route) => {
      const name = key(route);
      return !documented.has(name) && !(name in undocumented);
    });

    expect(served.length).toBeGreaterThan(60);
    expect(unknown.map(key)).toEqual([]);
  });

  it('answers 400 naming the field for each bad body, query and upload, never 500', async () => {
    const problems: string[] = [];
    let sent = 0;
    for (const route of served) {
      // Logging out takes no input and would end the sessions the sweep runs on.
      if (undocumented[key(route)] === 'stream' || route.path === '/api/logout') continue;
      for (const bad of casesFor(route)) {
        const permitted = await asPermitted(route, bad);
        if (!permitted) {
          problems.push(`${key(route)}: no principal is let in`);
          break;
        }
        sent += 1;
        const found = problem(
          `${key(route)} ${bad.label} as ${permitted.principal}`,
          permitted.answer,
          bad,
        );
        if (found) problems.push(found);
      }
    }

    expect(problems).toEqual([]);
    expect(sent).toBeGreaterThan(200);
  }, 300_000);

  it('refuses a body its schema takes but a later check fails with a 400, not a 500', async () => {
    const admin = await harness.as('admin');
    const profile = {
      device: 'button-8',
      kind: 'button',
      model: 'Call button',
      version: 2,
      connection: { type: 'gpio', pin: 17 },
    };

    const answer = await admin.put('/api/gateways/gw-bad-requests/devices/button-7/profile', {
      profile,
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'profile.device',
    });
  });

  it('names a missing required field in plain words', async () => {
    const admin = await harness.as('admin');

    const answer = await admin.put('/api/gateways/gw-bad-requests/devices/button-7/profile', {});

    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/profile: required$/);
  });

  it('reads a request that sends no body as an empty one', async () => {
    const analyst = await harness.as('analyst');

    const answer = await analyst.request('PUT', `/api/insights/branches/${sample.branch}/site`);

    expect(answer.status).toBe(204);
  });
});
