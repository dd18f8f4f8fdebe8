import { createHash, createPublicKey, verify } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { SmartBranchError } from '../core/index.ts';
import {
  EnrolResponse,
  type ReleaseManifest,
  ReleaseOffer,
  type ReleaseReport,
  releaseSigningPayload,
} from '../protocol/index.ts';

/** The gateway's own credentials from its enrolment, or null before it enrolled. */
export function readGatewayCredentials(file: string): EnrolResponse | null {
  if (!existsSync(file)) return null;

  const parsed = EnrolResponse.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}

/** The release routes of the cloud's API, called with the gateway's broker credentials. */
export interface ReleaseLink {
  offer(): Promise<ReleaseOffer['offer']>;
  /** Streams the bundle to `file`, checking its size and sha256 on the way. */
  download(manifest: ReleaseManifest, file: string): Promise<void>;
  deliver(reports: ReleaseReport[]): Promise<void>;
}

export function releaseLink(cloudUrl: string, credentials: EnrolResponse): ReleaseLink {
  const basic = Buffer.from(`${credentials.gateway}:${credentials.broker.password}`);
  const headers = { authorization: `Basic ${basic.toString('base64')}` };
  const url = (path: string) => new URL(path, cloudUrl);
  const refuse = (response: Response, what: string) =>
    new SmartBranchError('SB_ERR_UNAVAILABLE', `${what}: HTTP ${response.status}`);

  return {
    async offer() {
      const response = await fetch(url('/api/gateway/releases/offer'), { headers });
      if (!response.ok) throw refuse(response, 'release offer');

      return ReleaseOffer.parse(await response.json()).offer;
    },
    async download(manifest, file) {
      const path = `/api/gateway/releases/${encodeURIComponent(manifest.release)}/bundle`;
      const response = await fetch(url(path), { headers });
      if (!response.ok || !response.body) throw refuse(response, 'release download');

      await saveChecked(response.body as ReadableStream<Uint8Array>, manifest, file);
    },
    async deliver(reports) {
      const response = await fetch(url('/api/gateway/releases/reports'), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ reports }),
      });
      if (!response.ok) throw refuse(response, 'release reports');
    },
  };
}

async function saveChecked(
  body: ReadableStream<Uint8Array>,
  manifest: ReleaseManifest,
  file: string,
) {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > manifest.size) return done(new Error(`bundle over ${manifest.size} bytes`));

      hash.update(chunk);
      done(null, chunk);
    },
  });
  const partial = `${file}.partial`;
  try {
    await pipeline(Readable.fromWeb(body), meter, createWriteStream(partial, { mode: 0o640 }));
    const sha256 = hash.digest('hex');
    if (size !== manifest.size || sha256 !== manifest.sha256) {
      throw new Error(
        `bundle sha256 ${sha256.slice(0, 12)}… (${size} bytes) is not the signed one`,
      );
    }
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw new SmartBranchError('SB_ERR_RELEASE_REFUSED', (err as Error).message);
  }
}

/** Whether the cloud's Ed25519 key signed this manifest, as it signs campaign manifests. */
export function manifestSigned(manifest: ReleaseManifest, publicKeyPem: string): boolean {
  try {
    const key = createPublicKey(publicKeyPem);
    const signature = Buffer.from(manifest.signature, 'base64');
    return verify(null, releaseSigningPayload(manifest), key, signature);
  } catch {
    return false;
  }
}
