import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import {
  type CommandAck,
  CommandAction,
  type CommandRequest,
  encodeMessage,
  Id,
  topic,
} from '../../protocol/index.ts';
import type { ControlDb } from '../campaigns/schema.ts';
import type { CloudBroker } from './broker.ts';

export const CommandInput = z
  .strictObject({
    action: CommandAction,
    module: z.enum(['sensing', 'queue', 'screens', 'leads', 'automation', 'uplink']).optional(),
    theme: Id.optional(),
    minutes: z.number().int().min(1).max(1440).optional(),
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
  });
export type CommandInput = z.output<typeof CommandInput>;

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

/** Sends a command to one gateway and records it as sent; the ack or the sweep ends it. */
export async function sendCommand(
  db: ControlDb,
  broker: Pick<CloudBroker, 'publish'>,
  gateway: string,
  input: CommandInput,
  now: number,
): Promise<CommandView> {
  const row = await db
    .selectFrom('gateways')
    .select('branch')
    .where('id', '=', gateway)
    .executeTakeFirst();
  if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', `gateway ${gateway}`, 'gateway');

  const { timeoutMs, ...fields } = input;
  const request: CommandRequest = {
    ...fields,
    commandId: randomUUID(),
    gateway,
    at: now,
    expiresAt: now + timeoutMs,
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
