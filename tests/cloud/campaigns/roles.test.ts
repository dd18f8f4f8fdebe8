import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../../cloud/users/index.ts';
import { type Harness, roles, startHarness } from './support.ts';

interface Operation {
  'x-roles': Role[] | 'public';
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

let harness: Harness;
let document: Document;

const sample: Record<string, string> = {
  sha256: 'a'.repeat(64),
  branch: encodeURIComponent('north#1'),
  code: 'ABCDE-FGHJK-MNPQ',
};

beforeAll(async () => {
  harness = await startHarness();
  const admin = await harness.as('admin');
  await admin.put('/api/sponsors/coffee', { name: 'Corner Coffee', kind: 'merchant' });
  await harness.as('merchant');
  await admin.post('/api/sponsors/coffee/members', { username: harness.username('merchant') });
  document = (await (await harness.as('anonymous')).get('/api/openapi.json')).body;
});

afterAll(async () => {
  await harness.stop();
});

function operations() {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
}

describe('the OpenAPI document', () => {
  it('describes every route with its roles and the schema of its body', () => {
    const create = document.paths['/api/campaigns']?.post;
    const schema = create?.requestBody?.content['application/json']?.schema ?? {};
    const properties = schema.properties as Record<string, { enum?: string[] }>;
    const objective = properties.objective;

    expect(document.openapi).toBe('3.1.0');
    expect(operations().length).toBeGreaterThanOrEqual(40);
    expect(create?.['x-roles']).toEqual(['admin', 'marketer']);
    expect(objective?.enum).toContain('class-ii-account');
    expect(
      document.paths['/api/campaigns/{id}/conversions']?.post?.requestBody?.content,
    ).toHaveProperty('text/csv');
    expect(document.paths['/api/enrol']?.post?.['x-roles']).toBe('public');
    expect(document.paths).toHaveProperty(['/api/assets/{sha256}']);
    expect(Object.keys(document.paths).filter((path) => /[:}][^/]/.test(path))).toEqual([]);
  });
});

describe('roles on every route', () => {
  it('refuses each role a route does not list and lets each listed role through', async () => {
    const outcomes: string[] = [];
    for (const { path, method, operation } of operations()) {
      if (path === '/api/logout') continue;

      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => sample[name] ?? 'x');
      for (const role of [...roles, 'anonymous' as const]) {
        const client = await harness.as(role);
        const answer = await client.request(
          method.toUpperCase(),
          url,
          method === 'get' ? undefined : {},
        );
        const allowed =
          operation['x-roles'] === 'public' ||
          (role !== 'anonymous' && operation['x-roles'].includes(role));
        const refused = answer.status === 401 || answer.status === 403;
        const expected = allowed ? !refused : answer.status === (role === 'anonymous' ? 401 : 403);
        if (!expected) outcomes.push(`${method} ${path} as ${role}: ${answer.status}`);
      }
    }

    expect(outcomes).toEqual([]);
  });
});
