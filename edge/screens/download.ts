import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mimeOf } from './sniff.ts';

/**
 * Fetches one asset into `target`, hashing as it goes. Resolves with the sniffed MIME type
 * only when the size and sha256 match the manifest and the file is flushed to disk.
 */
export async function download(
  url: string,
  target: string,
  expected: { sha256: string; size: number },
  signal: AbortSignal,
): Promise<string | null> {
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body)
    throw new Error(`HTTP ${response.status} from the asset source`);

  const hash = createHash('sha256');
  const handle = openSync(target, 'w');
  let received = 0;
  let head: Buffer | null = null;
  try {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > expected.size)
        throw new Error(`more than the ${expected.size} bytes announced`);

      head ??= Buffer.from(chunk.subarray(0, 16));
      hash.update(chunk);
      writeSync(handle, chunk);
    }
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }

  if (received !== expected.size)
    throw new Error(`${received} bytes, the manifest says ${expected.size}`);

  const sha256 = hash.digest('hex');
  if (sha256 !== expected.sha256) throw new Error(`sha256 ${sha256} does not match the manifest`);
  return head ? mimeOf(head) : null;
}
