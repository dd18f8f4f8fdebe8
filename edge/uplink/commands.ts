import { isSmartBranchError, type Logger } from '../../core/index.ts';
import {
  type CommandAck,
  type CommandAction,
  type CommandRequest,
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
  log: Logger;
  now(): number;
  ack(ack: CommandAck): void;
  /** Told the modules HQ switched on or off, newest version only. */
  onModules?: ((modules: ModuleSettings['modules'], version: number) => void) | undefined;
}

/** How many answered command ids are remembered, so a redelivered one runs once. */
const rememberedCommands = 500;

/**
 * Remote commands and module settings from HQ. Each command runs once, only on the gateway
 * it names and only before it expires, and is always answered: with its result, or with the
 * error that stopped it, or with SB_ERR_NOT_FOUND when this gateway has no such handler.
 */
export function commandDesk(options: CommandDeskOptions) {
  const answered: string[] = [];

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
      if (!decoded.ok) return options.log.warn({ path: decoded.error.path }, 'command refused');

      const request = decoded.message;
      if (request.gateway !== options.gateway || answered.includes(request.commandId)) return;
      if (request.expiresAt <= options.now()) {
        return options.log.warn({ command: request.commandId }, 'command came after its time');
      }

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
