import express from 'express';
import helmet from 'helmet';
import { authRoutes, loadUser } from '../../../cloud/api/auth.ts';
import { errorHandler, notFound } from '../../../cloud/api/errors.ts';
import { listen } from '../../../cloud/api/index.ts';
import { leadsRoutes } from '../../../cloud/api/leads.ts';
import { CloudConfig } from '../../../cloud/config.ts';
import { testConfig } from '../support.ts';
import { type LeadsFixture, type Person, password } from './fixture.ts';

/** The HQ app as createApp builds it, with the leads routes mounted, on a port of its own. */
export async function leadsServer(fixture: LeadsFixture) {
  const config = CloudConfig.parse(testConfig(fixture.target));
  const deps = { db: fixture.store.db, config, context: fixture.context };
  const app = express();
  app.use(helmet());
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.use(loadUser(deps));
  app.use(authRoutes(deps));
  app.use(leadsRoutes(deps, fixture.leads));
  app.use(notFound);
  app.use(errorHandler(fixture.context.log));
  const server = await listen(app, '127.0.0.1', 0);

  const cookies = new Map<Person, string>();
  const login = async (person: Person) => {
    const known = cookies.get(person);
    if (known) return known;

    const response = await fetch(`${server.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: person, password }),
    });
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    cookies.set(person, cookie);
    return cookie;
  };

  /** A request as `person` (or nobody); the body is JSON when given. */
  const call = async (person: Person | null, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> =
      body === undefined ? {} : { 'content-type': 'application/json' };
    if (person) headers.cookie = await login(person);
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response;
  };

  return { ...server, call, login };
}
