import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../cloud/store/index.ts';
import { pgUrl, serviceAvailable } from '../support/services.ts';
import { postgresTarget, testContext } from './support.ts';

const withPostgres = await serviceAvailable('PostgreSQL', pgUrl);

/** Creates and drops schemas holding a table, as other tenants of a shared database do. */
async function churnSchemas(until: () => boolean): Promise<number> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  let dropped = 0;
  try {
    while (!until()) {
      const schema = `sb_neighbour_${process.pid}_${dropped}`;
      await client.query(`create schema "${schema}"`);
      await client.query(`create table "${schema}".visits (id serial primary key, note text)`);
      await client.query(`drop schema "${schema}" cascade`);
      dropped += 1;
    }
  } finally {
    await client.end();
  }
  return dropped;
}

describe.runIf(withPostgres)('a cloud store in a database other tenants share', () => {
  it('opens and migrates while other schemas are created and dropped around it', async () => {
    const context = testContext();
    let finished = false;
    const churn = churnSchemas(() => finished);
    const failures: string[] = [];

    for (let attempt = 0; attempt < 12; attempt += 1) {
      const target = postgresTarget();
      try {
        const store = await openStore({ url: target.url, schema: target.schema }, context);
        await store.close();
      } catch (error) {
        failures.push(String(error));
      } finally {
        await target.drop();
      }
    }
    finished = true;

    expect(await churn).toBeGreaterThan(0);
    expect(failures).toEqual([]);
  });
});
