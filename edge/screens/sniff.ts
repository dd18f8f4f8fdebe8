/**
 * What a file really is, from its first bytes: an upload whose bytes do not match its
 * extension is refused (a `.png` that is an HTML page, an `.mp4` that is a script).
 */
export interface Kind {
  type: 'image' | 'video';
  mime: string;
}

const byExtension: Record<string, Kind> = {
  png: { type: 'image', mime: 'image/png' },
  jpg: { type: 'image', mime: 'image/jpeg' },
  jpeg: { type: 'image', mime: 'image/jpeg' },
  gif: { type: 'image', mime: 'image/gif' },
  webp: { type: 'image', mime: 'image/webp' },
  mp4: { type: 'video', mime: 'video/mp4' },
  webm: { type: 'video', mime: 'video/webm' },
};

const startsWith = (bytes: Buffer, prefix: number[], offset = 0) =>
  prefix.every((byte, index) => bytes[offset + index] === byte);

const ascii = (bytes: Buffer, from: number, to: number) =>
  bytes.subarray(from, to).toString('latin1');

function sniffMime(bytes: Buffer): string | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'image/webp';
  if (ascii(bytes, 4, 8) === 'ftyp') return 'video/mp4';
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  return null;
}

/** The kind of an upload, or why it is refused. */
export function checkUpload(filename: string, bytes: Buffer): Kind | { problem: string } {
  const extension = filename.toLowerCase().split('.').pop() ?? '';
  const claimed = byExtension[extension];
  if (!claimed) return { problem: `extension .${extension} is not an image or video we play` };

  const actual = sniffMime(bytes);
  if (actual !== claimed.mime) {
    return {
      problem: `${filename} is not a ${claimed.mime} file (its bytes say ${actual ?? 'unknown'})`,
    };
  }
  return claimed;
}

export function mimeOf(bytes: Buffer): string | null {
  return sniffMime(bytes);
}
