import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../../cloud/api/errors.ts';
import { listen } from '../../../cloud/api/index.ts';
import { leadsRoutes } from '../../../cloud/api/leads.ts';
import { leadsServer } from './app.ts';
import { type LeadsFixture, leadsFixture, type Person, qrLead } from './fixture.ts';

const everyone: Person[] = [
  'rm-ann',
  'rm-bob',
  'rm-cat',
  'bm-north',
  'bm-south',
  'marketer',
  'analyst',
  'merchant',
  'admin2',
];

describe('access to leads, route by route and role by role', () => {
  let fixture: LeadsFixture;
  let server: Awaited<ReturnType<typeof leadsServer>>;
  let crm: http.Server;
  const posted: Array<Record<string, unknown>> = [];
  const ids = { ann: '', pool: '', south: '' };

  beforeAll(async () => {
    crm = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        posted.push(JSON.parse(body) as Record<string, unknown>);
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/crm`;
    fixture = await leadsFixture('sqlite', { webhook: { url, role: 'marketer' } });
    server = await leadsServer(fixture);
    ids.ann = (
      await fixture.leads.capture(
        qrLead({ phone: '13800000001', product: 'mortgage', name: 'Ann Lead' }),
      )
    ).id;
    ids.pool = (
      await fixture.leads.capture(
        qrLead({ phone: '13800000002', product: 'loan', name: 'Pool Lead' }),
      )
    ).id;
    ids.south = (
      await fixture.leads.capture(
        qrLead({ phone: '13800000003', branch: 'south', name: 'South Lead' }),
      )
    ).id;
  });
  afterAll(async () => {
    await server.close();
    crm.close();
    await fixture.close();
  });

  const status = async (person: Person | null, method: string, path: string, body?: unknown) =>
    (await server.call(person, method, path, body)).status;

  const visible = async (person: Person) => {
    const response = await server.call(person, 'GET', '/api/leads');
    const body = (await response.json()) as { leads: Array<{ id: string; name: string }> };
    return body.leads.map((lead) => lead.id);
  };

  it('lets a relationship manager list only their own leads and their branch pool', async () => {
    expect(await visible('rm-ann')).toEqual(expect.arrayContaining([ids.ann, ids.pool]));
    expect(await visible('rm-ann')).not.toContain(ids.south);
    expect(await visible('rm-bob')).toEqual([ids.pool]);
    expect(await visible('rm-cat')).toEqual([ids.south]);
  });

  it('lets a branch manager list every lead of the branch and none of another', async () => {
    expect((await visible('bm-north')).sort()).toEqual([ids.ann, ids.pool].sort());
    expect(await visible('bm-south')).toEqual([ids.south]);
  });

  it('gives HQ roles and merchants no lead list, and nobody signed out anything', async () => {
    for (const person of ['marketer', 'analyst', 'merchant', 'admin2'] as const) {
      expect(await status(person, 'GET', '/api/leads'), person).toBe(403);
      expect(await status(person, 'GET', `/api/leads/${ids.ann}`), person).toBe(403);
      expect(
        await status(person, 'POST', `/api/leads/${ids.ann}/step`, { to: 'contacted' }),
        person,
      ).toBe(403);
    }
    expect(await status(null, 'GET', '/api/leads')).toBe(401);
    expect(await status(null, 'GET', '/api/leads/figures')).toBe(401);
    expect(await status(null, 'GET', '/api/leads/export.csv')).toBe(401);
  });

  it("hides one manager's lead from another as if it did not exist", async () => {
    expect(await status('rm-bob', 'GET', `/api/leads/${ids.ann}`)).toBe(404);
    expect(await status('bm-south', 'GET', `/api/leads/${ids.ann}`)).toBe(404);
    expect(await status('rm-bob', 'POST', `/api/leads/${ids.ann}/step`, { to: 'contacted' })).toBe(
      404,
    );
    expect(await status('rm-ann', 'GET', `/api/leads/${ids.ann}`)).toBe(200);
  });

  it('gives counts to every HQ role but the merchant', async () => {
    for (const person of everyone) {
      const expected = person === 'merchant' ? 403 : 200;
      expect(await status(person, 'GET', '/api/leads/figures?by=branch'), person).toBe(expected);
    }
    const response = await server.call('marketer', 'GET', '/api/leads/figures?by=branch');
    const body = (await response.json()) as { figures: Array<{ key: string; leads: number }> };
    expect(body.figures.map((figure) => [figure.key, figure.leads])).toEqual([
      ['north', 2],
      ['south', 1],
    ]);
  });

  it('exports a CSV carrying only what the role may see', async () => {
    const ann = await (await server.call('rm-ann', 'GET', '/api/leads/export.csv')).text();
    expect(ann.split('\r\n')[0]).toContain('phone');
    expect(ann).toContain('Ann Lead');
    expect(ann).toContain('Pool Lead');
    expect(ann).not.toContain('South Lead');

    const marketer = await (
      await server.call('marketer', 'GET', '/api/leads/export.csv?by=campaign')
    ).text();
    expect(marketer.split('\r\n')[0]).toBe(
      'campaign,leads,contacted,won,lost,conversionRate,meanTimeToContactMs',
    );
    expect(marketer).not.toMatch(/Lead|138000/);
    expect(await status('merchant', 'GET', '/api/leads/export.csv')).toBe(403);
  });

  it('keeps the audit log, erasure and staff to the admin', async () => {
    for (const person of everyone) {
      const expected = person === 'admin2' ? 200 : 403;
      expect(await status(person, 'GET', '/api/leads/audit'), person).toBe(expected);
      if (person !== 'admin2') {
        expect(
          await status(person, 'POST', '/api/leads/erase', { phone: '13800000009' }),
          person,
        ).toBe(403);
        expect(await status(person, 'PUT', '/api/leads/staff', {}), person).toBe(403);
      }
    }
    const audit = (await (await server.call('admin2', 'GET', '/api/leads/audit')).json()) as {
      audit: Array<{ userId: string; action: string }>;
    };
    expect(audit.audit.map((row) => row.userId)).toContain(fixture.users['rm-ann'].id);
  });

  it('lets marketers and admins sign QR links, and relationship managers print posters', async () => {
    for (const person of everyone) {
      const links = ['marketer', 'admin2'].includes(person) ? 201 : 403;
      expect(await status(person, 'POST', '/api/leads/links', { branch: 'north' }), person).toBe(
        links,
      );
      const posters = person.startsWith('rm-') ? 200 : 403;
      expect(await status(person, 'GET', '/api/leads/poster.png'), person).toBe(posters);
    }
  });

  it('names the field of a bad body and keeps the lead as it was', async () => {
    const response = await server.call('rm-ann', 'POST', `/api/leads/${ids.ann}/step`, {
      to: 'won',
      extra: 1,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { path: string } }).error.path).toBe('extra');
    expect(await status('rm-ann', 'GET', '/api/leads/not-a-uuid')).toBe(400);
    const lead = await fixture.leads.get(fixture.users['rm-ann'], ids.ann);
    expect(lead.state).toBe('new');
  });

  it('posts every state change to the CRM with only the counts-only view for a marketer CRM', async () => {
    posted.length = 0;
    expect(await status('rm-ann', 'POST', `/api/leads/${ids.ann}/step`, { to: 'contacted' })).toBe(
      200,
    );
    await expect.poll(() => posted.length).toBe(1);
    expect(posted[0]).toMatchObject({ event: 'lead.state', from: 'new', to: 'contacted' });
    expect(posted.some((change) => change.from === null)).toBe(false);
    const lead = posted[0]?.lead as Record<string, unknown>;
    expect(lead.id).toBe(ids.ann);
    expect(lead).not.toHaveProperty('name');
    expect(lead).not.toHaveProperty('phone');
    expect(JSON.stringify(posted)).not.toContain('Ann Lead');
  });
});

describe('the leads routes without keys', () => {
  it('answer 503 with the reason while the rest of the API runs on', async () => {
    const fixture = await leadsFixture('sqlite');
    const app = express();
    app.use(leadsRoutes({ db: fixture.store.db, context: fixture.context }));
    app.get('/healthz', (_request, response) => {
      response.json({ status: 'ok' });
    });
    app.use(errorHandler(fixture.context.log));
    const server = await listen(app, '127.0.0.1', 0);

    const refused = await fetch(`${server.url}/api/leads`);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'SB_ERR_UNAVAILABLE',
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
    await fixture.close();
  });
});
