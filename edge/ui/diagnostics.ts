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

// The login part of any URL in a text: `rtsp://user:password@camera` names a camera's login.
const urlLogin = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

/**
 * A copy with every secret-looking field replaced and the login of every URL in any text
 * removed, at any depth: a camera's address in the config, a status or a log line.
 */
export function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(urlLogin, '$1[removed]@');
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
    status: withoutSecrets(parts.status),
    logs: withoutSecrets(parts.logs.query({ level: 'debug', hours: 6 })),
    metrics: await parts.metrics(),
  };
}
