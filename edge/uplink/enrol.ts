import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type Logger, SmartBranchError, smartbranchVersion } from '../../core/index.ts';
import { EnrolResponse } from '../../protocol/index.ts';

export type Credentials = EnrolResponse;

/** Credentials kept on the gateway's disk after its one enrolment, readable by its user only. */
export function readCredentials(file: string): Credentials | null {
  if (!existsSync(file)) return null;

  const parsed = EnrolResponse.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}

function writeCredentials(file: string, credentials: Credentials): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

const ErrorAnswer = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * Trades the one-time enrolment token for the gateway's own broker credentials. A refused
 * token is a SmartBranchError carrying the cloud's code, so the caller can say why.
 */
export async function enrol(
  cloudUrl: string,
  gateway: string,
  token: string,
  file: string,
  log: Logger,
): Promise<Credentials> {
  const response = await fetch(new URL('/api/enrol', cloudUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, gateway, version: smartbranchVersion }),
  });
  const body: unknown = await response.json().catch(() => ({}));

  if (!response.ok) {
    const refusal = ErrorAnswer.safeParse(body);
    const detail = refusal.success ? refusal.data.error.code : `HTTP ${response.status}`;
    throw new SmartBranchError('SB_ERR_UNAUTHENTICATED', `enrolment refused: ${detail}`);
  }

  const credentials = EnrolResponse.parse(body);
  writeCredentials(file, credentials);
  log.info({ gateway, branch: credentials.branch }, 'gateway enrolled');
  return credentials;
}
