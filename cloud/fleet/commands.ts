import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { PushedProfile } from '../../firmware-config/index.ts';
import {
  type CommandAck,
  CommandAction,
  type CommandRequest,
  commandSigningBytes,
  encodeMessage,
  Id,
  topic,
} from '../../protocol/index.ts';
import type { ControlDb } from '../campaigns/schema.ts';
import type { SigningKey } from '../campaigns/signing.ts';
import type { CloudBroker } from './broker.ts';

export const CommandInput = z
  .strictObject({
    action: CommandAction,
    module: z.enum(['sensing', 'queue', 'screens', 'leads', 'automation', 'uplink']).optional(),
    theme: Id.optional(),
    minutes: z.number().int().min(1).max(1440).optional(),
    /** For push-profile: the device on the gateway, and its new profile without credentials. */
    device: Id.optional(),
    profile: PushedProfile.optional(),
    /** How long the gateway has to answer, in ms. Default 30000. */
    timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  })
  .refine((command) => command.action !== 'restart-module' || command.module !== undefined, {
    message: 'restart-module needs a module',
    path: ['module'],
  })
  .refine((command) => command.action !== 'set-theme' || command.theme !== undefined, {
    message: 'set-theme needs a theme',
    path: ['theme'],
  })
  .refine((command) => command.action !== 'push-profile' || command.profile !== undefined, {
    message: 'push-profile needs a profile',
    path: ['profile'],
  })
  .refine(
    (command) => command.action !== 'push-profile' || command.device === command.profile?.device,
    { message: "must be the profile's device", path: ['device'] },
  );
export type CommandInput = z.output<typeof CommandInput>;

/** The body of a profile push: the profile, checked here as the gateway will check it. */
export const PushProfileInput = z.strictObject({
  profile: PushedProfile,
  timeoutMs: z.number().int().min(1000).max(600_000).optional(),
});

export type CommandState = 'sent' | 'ok' | 'error' | 'timed-out';

export interface CommandView {
  id: string;
  gateway: string;
  action: string;
  state: CommandState;
  result: unknown;
  createdAt: number;
  expiresAt: number;
  answeredAt: number | null;
}

export interface CommandDeps {
  db: ControlDb;
  broker: Pick<CloudBroker, 'publish'>;
  /** The key that signs campaign manifests: the gateway checks commands against it too. */
  signingKey: SigningKey;
}

/**
 * Sends a command to one gateway, numbered after the gateway's previous one and signed, and
 * records it as sent; the ack or the sweep ends it.
 */
export async function sendCommand(
  deps: CommandDeps,
  gateway: string,
  input: CommandInput,
  now: number,
): Promise<CommandView> {
  const { db, broker, signingKey } = deps;
  const row = await db
    .selectFrom('gateways')
    .select('branch')
    .where('id', '=', gateway)
    .executeTakeFirst();
  if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', `gateway ${gateway}`, 'gateway');

  const { timeoutMs, ...fields } = input;
  const unsigned = {
    ...fields,
    commandId: randomUUID(),
    branch: row.branch,
    gateway,
    sequence: await nextSequence(db, gateway),
    at: now,
    expiresAt: now + timeoutMs,
    keyId: signingKey.keyId,
  };
  const request: CommandRequest = {
    ...unsigned,
    signature: signingKey.sign(commandSigningBytes(unsigned)),
  };
  await db
    .insertInto('gateway_commands')
    .values({
      id: request.commandId,
      gateway,
      action: request.action,
      request: JSON.stringify(request),
      state: 'sent',
      result: null,
      created_at: now,
      expires_at: request.expiresAt,
      answered_at: null,
    })
    .execute();
  await broker.publish(
    topic('commandRequest', { branch: row.branch }),
    encodeMessage('commandRequest', request),
    { qos: 1 },
  );
  return getCommand(db, request.commandId);
}

/** The gateway's next command number, counted in one statement so two replicas never share one. */
async function nextSequence(db: ControlDb, gateway: string): Promise<number> {
  const row = await db
    .insertInto('gateway_command_sequences')
    .values({ gateway, sequence: 1 })
    .onConflict((conflict) =>
      conflict
        .column('gateway')
        .doUpdateSet({ sequence: sql`gateway_command_sequences.sequence + 1` }),
    )
    .returning('sequence')
    .executeTakeFirstOrThrow();
  return Number(row.sequence);
}

/** Records a gateway's answer; a late one, after the timeout, or a second one is ignored. */
export async function recordAck(db: ControlDb, ack: CommandAck, now: number): Promise<boolean> {
  const result = await db
    .updateTable('gateway_commands')
    .set({
      state: ack.status,
      result: JSON.stringify(ack.status === 'ok' ? (ack.data ?? null) : ack.error),
      answered_at: now,
    })
    .where('id', '=', ack.commandId)
    .where('gateway', '=', ack.gateway)
    .where('state', '=', 'sent')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Commands unanswered past their time are timed out; returns how many. */
export async function expireCommands(db: ControlDb, now: number): Promise<number> {
  const result = await db
    .updateTable('gateway_commands')
    .set({ state: 'timed-out', answered_at: now })
    .where('state', '=', 'sent')
    .where('expires_at', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function getCommand(db: ControlDb, id: string): Promise<CommandView> {
  const row = await db
    .selectFrom('gateway_commands')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', `command ${id}`, 'id');

  return {
    id: row.id,
    gateway: row.gateway,
    action: row.action,
    state: row.state as CommandState,
    result: row.result === null ? null : JSON.parse(row.result),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    answeredAt: row.answered_at,
  };
}
