import { createHmac, randomBytes } from 'node:crypto';

/**
 * The bytes a campaign manifest's signature covers: the manifest without its `signature`,
 * as JSON with every object's keys sorted, so the cloud and the gateway, whatever order
 * their objects were built in, sign and verify the same bytes.
 */
export function manifestSigningBytes(manifest: object): Buffer {
  const { signature: _signature, ...signed } = manifest as { signature?: unknown };
  return Buffer.from(canonicalJson(signed));
}

/** The bytes a remote command's signature covers, made the same way as a manifest's. */
export function commandSigningBytes(command: object): Buffer {
  return manifestSigningBytes(command);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;

    const entries = Object.entries(inner as Record<string, unknown>);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

const codeAlphabet = 'ABCDEFGHJKMNPQRSTVWXYZ0123456789';

/**
 * The four-character tag that ends a coupon code: an HMAC of the code's body under its
 * benefit's code key, so a gateway recognises a genuine code of a benefit with the cloud gone.
 */
export function couponTag(codeKey: string, body: string): string {
  const mac = createHmac('sha256', Buffer.from(codeKey, 'base64')).update(body).digest();
  return [...mac.subarray(0, 4)].map((byte) => codeAlphabet[byte % 32]).join('');
}

/** A fresh code `XXXXX-XXXXX-TTTT`: 50 random bits and the tag. */
export function newCouponCode(codeKey: string): string {
  const body = [...randomBytes(10)].map((byte) => codeAlphabet[byte % 32]).join('');
  const grouped = `${body.slice(0, 5)}-${body.slice(5)}`;
  return `${grouped}-${couponTag(codeKey, grouped)}`;
}

/** Whether a code's tag matches its body under a benefit's key. */
export function couponCodeFits(codeKey: string, code: string): boolean {
  const cut = code.lastIndexOf('-');
  if (cut <= 0) return false;

  return couponTag(codeKey, code.slice(0, cut)) === code.slice(cut + 1);
}
