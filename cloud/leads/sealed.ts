import nacl from 'tweetnacl';
// The package ships no types; its one export is typed here.
// @ts-expect-error: tweetnacl-sealedbox-js has no declaration file
import sealedBox from 'tweetnacl-sealedbox-js';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';

interface SealedBoxModule {
  seal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
  open(sealed: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | null;
}
const box = sealedBox as SealedBoxModule;

export interface SealKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** The cloud's X25519 key pair from its 32-byte secret in base64 (`SB_LEADS_SEAL_KEY`). */
export function sealKeysFrom(secretBase64: string): SealKeys {
  const secret = Buffer.from(secretBase64, 'base64');
  if (secret.length !== 32) {
    throw new SmartBranchError('SB_ERR_INVALID_CONFIG', 'leads seal key must be 32 bytes');
  }

  return nacl.box.keyPair.fromSecretKey(new Uint8Array(secret));
}

export function newSealKeys(): SealKeys {
  return nacl.box.keyPair();
}

/**
 * What a gateway page puts in the box: the lead's fields, consent included, and who typed
 * them in: the customer at a kiosk, or the technician at the desk for an advisory ticket.
 */
export const KioskLead = z.strictObject({
  source: z.enum(['kiosk', 'technician']).default('kiosk'),
  branch: z.string().min(1).max(64),
  campaign: z.string().min(1).max(64).optional(),
  benefit: z.string().min(1).max(64).optional(),
  screen: z.string().min(1).max(64).optional(),
  product: z.string().min(1).max(64),
  name: z.string().min(1).max(120),
  phone: z.string().min(1).max(40),
  consent: z.literal(true),
  consentVersion: z.string().min(1).max(40),
  consentText: z.string().min(1).max(4000),
});
export type KioskLead = z.output<typeof KioskLead>;

/** Seals as the kiosk page does; used by tests and the simulator. */
export function sealLead(lead: z.input<typeof KioskLead>, publicKey: Uint8Array): string {
  const bytes = new TextEncoder().encode(JSON.stringify(lead));
  return Buffer.from(box.seal(bytes, publicKey)).toString('base64');
}

/** Opens a sealed kiosk lead, or says why it cannot be taken in. */
export function openLead(sealed: string, keys: SealKeys): KioskLead {
  const bytes = box.open(
    new Uint8Array(Buffer.from(sealed, 'base64')),
    keys.publicKey,
    keys.secretKey,
  );
  if (!bytes) throw new SmartBranchError('SB_ERR_INVALID_MESSAGE', 'sealed lead does not open');

  const parsed = KioskLead.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  if (!parsed.success)
    throw new SmartBranchError('SB_ERR_INVALID_MESSAGE', 'sealed lead fails its schema');

  return parsed.data;
}
