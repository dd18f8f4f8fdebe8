import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  hashPassword,
  type ModuleContext,
  randomSecret,
  SmartBranchError,
  verifyPassword,
} from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';
import type { CloudConfig } from '../config.ts';
import type { Database } from '../store/index.ts';

export const Role = z.enum([
  'admin',
  'marketer',
  'analyst',
  'branch-manager',
  'relationship-manager',
  'merchant',
]);
export type Role = z.output<typeof Role>;

export interface User {
  id: string;
  username: string;
  role: Role;
}

export async function createUser(
  db: Kysely<Database>,
  user: { username: string; passwordHash: string; role: Role },
  now: number,
): Promise<User> {
  const id = randomUUID();
  await db
    .insertInto('users')
    .values({
      id,
      username: user.username,
      password_hash: user.passwordHash,
      role: user.role,
      created_at: now,
    })
    .execute();
  return { id, username: user.username, role: user.role };
}

/** The roles that work at one branch and read its leads. */
export const branchRoles: readonly Role[] = ['branch-manager', 'relationship-manager'];

/** A new HQ user as an admin asks for one; a branch role names its branch. */
export const NewUser = z
  .strictObject({
    username: z.string().trim().min(1).max(80),
    password: z.string().min(12, 'at least 12 characters').max(200),
    role: Role,
    branch: Id.optional(),
  })
  .refine((user) => !branchRoles.includes(user.role) || user.branch !== undefined, {
    message: 'required for a branch-manager or relationship-manager',
    path: ['branch'],
  });
export type NewUser = z.output<typeof NewUser>;

/** Creates a user with a password's hash; a name taken already is a conflict. */
export async function addUser(db: Kysely<Database>, user: NewUser, now: number): Promise<User> {
  const taken = await db
    .selectFrom('users')
    .select('id')
    .where('username', '=', user.username)
    .executeTakeFirst();
  if (taken) throw new SmartBranchError('SB_ERR_CONFLICT', 'username: taken', 'username');

  const passwordHash = await hashPassword(user.password);
  return createUser(db, { username: user.username, passwordHash, role: user.role }, now);
}

/** The user whose password this is, or null; unknown names cost as much time as known ones. */
export async function checkLogin(db: Kysely<Database>, username: string, password: string) {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? decoyHash);
  if (!row || !ok) return null;

  return { id: row.id, username: row.username, role: Role.parse(row.role) } satisfies User;
}

// A real hash of a password nobody knows, so a miss runs scrypt just like a hit.
const decoyHash = await hashPassword(randomSecret());

/**
 * Creates the first admin when there is none, and keeps its password in step with the
 * config. With neither a password nor a hash configured, one is generated, printed once as a
 * warn line, and only its hash is stored.
 */
export async function ensureAdmin(
  db: Kysely<Database>,
  admin: CloudConfig['admin'],
  context: ModuleContext,
): Promise<void> {
  const log = context.log.child({ module: 'users' });
  const existing = await db
    .selectFrom('users')
    .select(['id', 'password_hash'])
    .where('username', '=', admin.username)
    .executeTakeFirst();
  if (existing) return updateAdminPassword(db, existing, admin);

  const configured = admin.password !== undefined || admin.passwordHash !== undefined;
  const generated = configured ? null : randomSecret(12);
  const passwordHash =
    admin.passwordHash ?? (await hashPassword(admin.password ?? generated ?? ''));
  await createUser(
    db,
    { username: admin.username, passwordHash, role: 'admin' },
    context.clock.now(),
  );
  log.info({ username: admin.username }, 'admin created');
  if (generated) {
    // The one password that reaches a log line, once: without it nobody can log in at all.
    log.warn(
      { username: admin.username, generatedPassword: generated },
      'admin password generated: to change it, set admin.password or admin.passwordHash ' +
        'in cloud.json and restart',
    );
  }
}

async function updateAdminPassword(
  db: Kysely<Database>,
  existing: { id: string; password_hash: string },
  admin: CloudConfig['admin'],
) {
  let passwordHash: string | null = null;
  if (admin.passwordHash && admin.passwordHash !== existing.password_hash)
    passwordHash = admin.passwordHash;
  else if (admin.password && !(await verifyPassword(admin.password, existing.password_hash))) {
    passwordHash = await hashPassword(admin.password);
  }
  if (!passwordHash) return;

  await db
    .updateTable('users')
    .set({ password_hash: passwordHash })
    .where('id', '=', existing.id)
    .execute();
}

export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
