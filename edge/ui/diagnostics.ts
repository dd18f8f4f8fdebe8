import type { Health } from './health.ts';
import type { LogRing } from './logs.ts';

export interface BundleParts {
  gateway: string;
  config: unknown;
  health: Health;
  status: unknown;
  logs: LogRing;
  metrics: () => Promise<string>;
  now: number;
}

const secretKey = /pass(word)?|secret|token|credential|private|key$/i;

/** A copy of the config with every secret-looking field replaced, at any depth. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (!value || typeof value !== 'object') return value;

  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      secretKey.test(key) ? '[removed]' : withoutSecrets(inner),
    ]),
  );
}

/**
 * The diagnostic bundle a technician downloads for support: the config without secrets,
 * versions and health, the status, the last hours of logs (debug and up) and the metrics.
 */
export async function diagnosticBundle(parts: BundleParts) {
  return {
    kind: 'smartbranch-gateway-diagnostics',
    gateway: parts.gateway,
    generatedAt: new Date(parts.now).toISOString(),
    versions: parts.health.versions,
    health: parts.health,
    config: withoutSecrets(parts.config),
    status: parts.status,
    logs: parts.logs.query({ level: 'debug', hours: 6 }),
    metrics: await parts.metrics(),
  };
}
