import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';

const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);

/** What a QR link carries: where it hangs and, for a manager's card, whose it is. */
export const QrClaims = z.strictObject({
  branch: Id,
  campaign: Id.optional(),
  benefit: Id.optional(),
  screen: Id.optional(),
  manager: Id.optional(),
  expiresAt: z.number().int().positive(),
});
export type QrClaims = z.output<typeof QrClaims>;

/**
 * `<claims in base64url JSON>.<HMAC-SHA256 in base64url>`: short enough for a QR code a
 * phone reads from across a room, and nothing in it can be changed without the secret.
 */
export function signQrToken(secret: Buffer, claims: QrClaims): string {
  const body = Buffer.from(JSON.stringify(QrClaims.parse(claims))).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export type TokenCheck =
  | { ok: true; claims: QrClaims }
  | { ok: false; reason: 'malformed' | 'tampered' | 'expired' };

/** Checks a token; hot-path style, a value rather than a throw. */
export function checkQrToken(secret: Buffer, token: string, now: number): TokenCheck {
  const [body, signature, ...rest] = token.split('.');
  if (!body || !signature || rest.length > 0) return { ok: false, reason: 'malformed' };

  const expected = Buffer.from(mac(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'tampered' };
  }

  const claims = QrClaims.safeParse(parseJson(Buffer.from(body, 'base64url').toString('utf8')));
  if (!claims.success) return { ok: false, reason: 'malformed' };
  if (claims.data.expiresAt <= now) return { ok: false, reason: 'expired' };

  return { ok: true, claims: claims.data };
}

export function requireQrToken(secret: Buffer, token: string, now: number): QrClaims {
  const check = checkQrToken(secret, token, now);
  if (check.ok) return check.claims;

  const code = check.reason === 'expired' ? 'SB_ERR_TOKEN_EXPIRED' : 'SB_ERR_TOKEN_UNKNOWN';
  throw new SmartBranchError(code, `QR link ${check.reason}`, 'token');
}

function mac(secret: Buffer, body: string) {
  return createHmac('sha256', secret).update(body).digest('base64url');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
