import { randomBytes } from 'node:crypto';
import {
  createKeyring,
  createLeads,
  newKeyringConfig,
  newSealKeys,
} from '../../../cloud/leads/index.ts';
import { openStore } from '../../../cloud/store/index.ts';
import { createUser, type Role } from '../../../cloud/users/index.ts';
import { hashPassword } from '../../../core/index.ts';
import {
  loggingContext,
  postgresTarget,
  type StoreTarget,
  sqliteTarget,
  tempFolder,
} from '../support.ts';

export const password = 'leads test password';

const people = [
  ['rm-ann', 'relationship-manager', 'north', ['credit-card', 'mortgage']],
  ['rm-bob', 'relationship-manager', 'north', ['credit-card']],
  ['rm-cat', 'relationship-manager', 'south', ['credit-card', 'mortgage']],
  ['bm-north', 'branch-manager', 'north', []],
  ['bm-south', 'branch-manager', 'south', []],
  ['marketer', 'marketer', null, []],
  ['analyst', 'analyst', null, []],
  ['merchant', 'merchant', null, []],
  ['admin2', 'admin', null, []],
] as const;

export type Person = (typeof people)[number][0];

/** A store on the dialect with the leads module, its users and staff, and a capturing log. */
export async function leadsFixture(dialect: 'sqlite' | 'postgres', config: unknown = {}) {
  const folder = tempFolder('sb-leads-');
  const pgTarget = dialect === 'postgres' ? postgresTarget() : null;
  const target: StoreTarget = pgTarget ?? sqliteTarget(folder.path);
  const context = loggingContext();
  const store = await openStore({ url: target.url, schema: target.schema }, context);
  const keyringConfig = newKeyringConfig('k1');
  const secrets = {
    keyring: createKeyring(keyringConfig),
    tokenSecret: randomBytes(32),
    sealKeys: newSealKeys(),
  };
  const leads = createLeads(store.db, config, secrets, context);

  const passwordHash = await hashPassword(password);
  const users = {} as Record<Person, { id: string; role: Role }>;
  for (const [username, role, branch, skills] of people) {
    const user = await createUser(store.db, { username, passwordHash, role }, context.clock.now());
    users[username] = { id: user.id, role };
    if (branch) {
      await leads.setStaff({
        userId: user.id,
        branch,
        displayName: username,
        skills: [...skills],
        onDuty: true,
      });
    }
  }

  const close = async () => {
    leads.stop();
    await store.close();
    await pgTarget?.drop();
    folder.remove();
  };
  return { store, leads, users, context, keyringConfig, secrets, folder, target, close };
}

export type LeadsFixture = Awaited<ReturnType<typeof leadsFixture>>;

export const consent = {
  consent: true as const,
  consentVersion: '2026-12',
  consentText: 'I agree.',
};

export function qrLead(overrides: Record<string, unknown> = {}) {
  return {
    source: 'qr' as const,
    branch: 'north',
    campaign: 'spring-card',
    screen: 'entrance-1',
    product: 'credit-card',
    name: 'Wang Fang',
    phone: '+86 138 0013 8000',
    ...consent,
    ...overrides,
  };
}
