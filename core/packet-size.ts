import type { Socket } from 'node:net';

/**
 * Largest MQTT packet the bus takes, in bytes: the protocol's payload limit plus room for the
 * topic and headers.
 */
export const maxPacketBytes = 256 * 1024 + 4096;

/**
 * Watches the packets arriving on a device's socket and closes it as soon as one declares a
 * remaining length over `limit`, before the broker buffers its body: aedes' parser would
 * otherwise hold the whole packet in memory however large it says it is [MQTT-2.2.3].
 * Reads only the fixed headers; every byte still reaches the broker unchanged.
 */
export function guardPacketSize(socket: Socket, limit: number, onRefused: (bytes: number) => void) {
  let skip = 0;
  let header: number[] = [];

  const read = (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      if (skip > 0) {
        const taken = Math.min(skip, chunk.length - offset);
        skip -= taken;
        offset += taken;
        continue;
      }

      header.push(chunk[offset] as number);
      offset += 1;
      const declared = remainingLength(header);
      if (declared === null) continue;

      header = [];
      if (declared > limit) return refuse(declared);
      skip = declared;
    }
  };
  const refuse = (declared: number) => {
    socket.off('data', read);
    onRefused(declared);
    socket.destroy();
  };

  socket.on('data', read);
}

/**
 * The remaining length of a fixed header read so far: a type byte, then one to four bytes of
 * seven bits each, the high bit saying another follows [MQTT-2.2.3]. Null: not complete yet.
 */
function remainingLength(header: number[]): number | null {
  if (header.length < 2) return null;

  let value = 0;
  for (let index = 1; index < header.length; index += 1) {
    const byte = header[index] as number;
    value += (byte & 0x7f) * 128 ** (index - 1);
    if ((byte & 0x80) === 0) return value;
    // A fifth length byte is malformed: report it as too large so the socket closes.
    if (index === 4) return Number.MAX_SAFE_INTEGER;
  }
  return null;
}
