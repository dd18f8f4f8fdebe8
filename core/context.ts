import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Clock } from './clock.ts';

/** What every module is handed at start: the process's clock, its logger and its metrics. */
export interface ModuleContext {
  clock: Clock;
  log: Logger;
  registry: Registry;
}
