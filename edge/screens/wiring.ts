import type { Logger } from 'pino';
import { type Clock, isSmartBranchError, rateLimitedWarn } from '../../core/index.ts';
import type { Bus } from '../bus/index.ts';
import type { AudienceHistory } from './audience.ts';
import type { Control } from './control.ts';
import { type LiveFigures, noteAudienceCount, noteQueueEvent } from './rules.ts';

export interface WiringOptions {
  bus: Bus;
  control: Control;
  figures: LiveFigures;
  audience: AudienceHistory;
  log: Logger;
  clock: Clock;
  onQueue(): void;
  onFigures(): void;
}

/**
 * The module's bus side: registrations, overrides, theme switches and verified manifests in;
 * audience and queue aggregates for the rules. The bus has checked every schema already; a
 * command the module refuses (an unknown theme) is logged once a minute per kind.
 */
export async function subscribeScreens(options: WiringOptions): Promise<() => Promise<void>> {
  const { bus, control, figures, audience } = options;
  const warn = rateLimitedWarn(options.log, 60_000, options.clock.now);
  const guarded = (kind: string, action: () => unknown) => () => {
    try {
      action();
    } catch (err) {
      const code = isSmartBranchError(err) ? err.code : 'SB_ERR_INTERNAL';
      warn(
        `${kind}:${code}`,
        { kind, code, reason: (err as Error).message },
        'screens command refused',
      );
    }
  };

  const subscriptions = await Promise.all([
    bus.subscribe('screenRegistration', {}, (message) =>
      guarded('registration', () => control.registerScreen(message))(),
    ),
    bus.subscribe('screenOverride', {}, (message) =>
      guarded('override', () => control.override(message))(),
    ),
    bus.subscribe('screenTheme', {}, (message) =>
      guarded('theme', () => control.setTheme(message.theme))(),
    ),
    // Only the uplink publishes manifests here, after checking their signature.
    bus.subscribe('campaignManifest', {}, (message) =>
      guarded('manifest', () => {
        const result = control.applyManifest(message);
        if (!result.applied)
          options.log.debug(
            { version: message.version, reason: result.reason },
            'manifest ignored',
          );
      })(),
    ),
    bus.subscribe('queueState', {}, (message) => {
      figures.queue = message;
      options.onQueue();
    }),
    bus.subscribe('queueEvent', {}, (message) => {
      noteQueueEvent(figures, message);
      options.onFigures();
    }),
    bus.subscribe('audienceCount', {}, (message) => {
      noteAudienceCount(figures, message);
      audience.note({ zone: message.camera, at: message.at, people: message.people });
      options.onFigures();
    }),
    bus.subscribe('zoneAudience', {}, (message) => {
      figures.zones.set(message.zone, message);
      audience.note(message);
      options.onFigures();
    }),
  ]);
  return async () => {
    for (const unsubscribe of subscriptions) await unsubscribe();
  };
}
