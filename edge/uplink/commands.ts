import { verify } from 'node:crypto';
import { isSmartBranchError, type Logger, rateLimitedWarn } from '../../core/index.ts';
import {
  type CommandAck,
  type CommandAction,
  type CommandRequest,
  commandSigningBytes,
  decodeMessage,
  type ModuleSettings,
} from '../../protocol/index.ts';
import type { UplinkState } from './state.ts';

/** What a gateway does for each remote command; the answer goes back as the ack's data. */
export type CommandHandlers = Partial<
  Record<CommandAction, (request: CommandRequest) => unknown | Promise<unknown>>
>;

export interface CommandDeskOptions {
  gateway: string;
  branch: string;
  handlers: CommandHandlers;
  state: UplinkState;
  /** The cloud's key from enrolment, the one manifests are checked with; null before it. */
  publicKeyPem(): string | null;
  log: Logger;
  now(): number;
  ack(ack: CommandAck): void;
  /** Told the modules HQ switched on or off, newest version only. */
  onModules?: ((modules: ModuleSettings['modules'], version: number) => void) | undefined;
}

/** How many answered command ids are remembered, so a redelivery is told from a replay. */
const rememberedCommands = 500;

/** The highest command sequence taken, kept in the store so a restart does not forget it. */
const sequenceKey = 'commandSequence';

/**
 * Remote commands and module settings from HQ. A command runs only when the cloud's key
 * signed it, it names this branch and this gateway, it has not expired, and its sequence is
 * above every one taken before (a recorded command played again is refused, across restarts
 * too). A command that runs is always answered: with its result, the error that stopped it,
 * or SB_ERR_NOT_FOUND when this gateway has no such handler. A refused one is answered with
 * the reason where the answer can reach the cloud's record of it.
 */
export function commandDesk(options: CommandDeskOptions) {
  const answered: string[] = [];
  // A flood of forged commands costs one line per kind of refusal a minute.
  const warn = rateLimitedWarn(options.log, 60_000, options.now);

  const refuse = (
    commandId: string | null,
    code: string,
    reason: string,
    fields: Record<string, unknown> = {},
  ) => {
    warn(`${code}:${reason}`, { command: commandId, code, reason, ...fields }, 'command refused');
    if (commandId === null) return;

    const error = { code, message: reason.slice(0, 500) };
    options.ack({ commandId, gateway: options.gateway, status: 'error', error, at: options.now() });
  };

  /** Why a decoded command may not run, or null when it may. */
  const refusal = (request: CommandRequest): { code: string; reason: string } | null => {
    const key = options.publicKeyPem();
    if (key === null || !signatureHolds(key, request)) {
      return { code: 'SB_ERR_UNAUTHENTICATED', reason: "not signed by the cloud's key" };
    }

    const last = options.state.number(sequenceKey);
    if (request.sequence <= last) {
      const reason = `replayed: sequence ${request.sequence} is not above ${last}`;
      return { code: 'SB_ERR_CONFLICT', reason };
    }
    return null;
  };

  const run = async (request: CommandRequest) => {
    const handler = options.handlers[request.action];
    const base = { commandId: request.commandId, gateway: options.gateway };
    if (!handler) {
      const error = { code: 'SB_ERR_NOT_FOUND', message: `no handler for ${request.action}` };
      return options.ack({ ...base, status: 'error', error, at: options.now() });
    }

    try {
      const data = await handler(request);
      options.ack({
        ...base,
        status: 'ok',
        ...(data === undefined ? {} : { data }),
        at: options.now(),
      });
    } catch (err) {
      const code = isSmartBranchError(err) ? err.code : 'SB_ERR_INTERNAL';
      const message = (err as Error).message.slice(0, 500);
      options.ack({ ...base, status: 'error', error: { code, message }, at: options.now() });
    }
  };

  return {
    onCommand(payload: Buffer) {
      const decoded = decodeMessage('commandRequest', payload);
      if (!decoded.ok) {
        const { path, message } = decoded.error;
        return refuse(ownCommandId(payload, options.gateway), 'SB_ERR_INVALID_MESSAGE', message, {
          path,
        });
      }

      const request = decoded.message;
      const to = { branch: request.branch, gateway: request.gateway };
      if (request.branch !== options.branch) {
        return refuse(null, 'SB_ERR_FORBIDDEN', 'for another branch', to);
      }
      // Another gateway of this branch shares the topic: its commands are not ours to answer.
      if (request.gateway !== options.gateway) return;
      if (answered.includes(request.commandId)) {
        return options.log.debug({ command: request.commandId }, 'command redelivered');
      }

      const refused = refusal(request);
      if (refused) return refuse(request.commandId, refused.code, refused.reason);
      if (request.expiresAt <= options.now()) {
        return options.log.warn({ command: request.commandId }, 'command came after its time');
      }

      options.state.set(sequenceKey, String(request.sequence));
      answered.push(request.commandId);
      if (answered.length > rememberedCommands) answered.shift();
      options.log.info({ command: request.commandId, action: request.action }, 'remote command');
      void run(request);
    },
    onModules(payload: Buffer) {
      const decoded = decodeMessage('moduleSettings', payload);
      if (!decoded.ok || decoded.message.branch !== options.branch) return;

      const settings = decoded.message;
      if (settings.version <= options.state.number('modulesVersion')) return;

      options.state.set('modulesVersion', String(settings.version));
      options.state.set('modules', JSON.stringify(settings.modules));
      options.log.info(
        { version: settings.version, modules: settings.modules },
        'modules set by HQ',
      );
      options.onModules?.(settings.modules, settings.version);
    },
    modules(): ModuleSettings['modules'] | null {
      const stored = options.state.get('modules');
      return stored ? (JSON.parse(stored) as ModuleSettings['modules']) : null;
    },
  };
}

function signatureHolds(publicKeyPem: string, request: CommandRequest): boolean {
  try {
    const signature = Buffer.from(request.signature, 'base64');
    return verify(null, commandSigningBytes(request), publicKeyPem, signature);
  } catch {
    return false;
  }
}

/**
 * The id of a command that failed its schema, when it names this gateway, so the cloud still
 * hears why; a payload that is not even that is only logged.
 */
function ownCommandId(payload: Buffer, gateway: string): string | null {
  try {
    const value = JSON.parse(payload.toString()) as { commandId?: unknown; gateway?: unknown };
    const id = value.commandId;
    const fits = typeof id === 'string' && id.length >= 8 && id.length <= 64;
    return fits && value.gateway === gateway ? id : null;
  } catch {
    return null;
  }
}
