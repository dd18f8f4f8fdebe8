import net from 'node:net';

/**
 * A virtual ESC/POS printer on TCP: it keeps every byte it is sent, answers the paper status
 * query (DLE EOT 4) as a real one does, and runs out of paper or goes offline on demand.
 */
export interface VirtualPrinter {
  readonly port: number;
  readonly address: string;
  /** Every byte received, status queries left out: what would reach the paper. */
  printed(): Buffer;
  clear(): void;
  /** Fault: the paper runs out (true) or is refilled (false). */
  setPaperOut(out: boolean): void;
  /** Fault: the printer drops every connection and refuses new ones. */
  goOffline(): Promise<void>;
  /** Back on the same port. */
  comeBack(): Promise<void>;
  close(): Promise<void>;
}

const statusQuery = [0x10, 0x04];

export async function virtualPrinter(port = 0): Promise<VirtualPrinter> {
  const sockets = new Set<net.Socket>();
  let paper: Buffer[] = [];
  let paperOut = false;

  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      const kept: number[] = [];
      for (let index = 0; index < data.length; index++) {
        if (data[index] === statusQuery[0] && data[index + 1] === statusQuery[1]) {
          socket.write(Buffer.from([statusByte(data[index + 2] ?? 0, paperOut)]));
          index += 2;
          continue;
        }
        kept.push(data[index] ?? 0);
      }
      paper.push(Buffer.from(kept));
    });
  };

  let server = await listen(port, serve);
  const bound = (server.address() as net.AddressInfo).port;

  const stop = async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    port: bound,
    address: `127.0.0.1:${bound}`,
    printed: () => Buffer.concat(paper),
    clear: () => {
      paper = [];
    },
    setPaperOut: (out) => {
      paperOut = out;
    },
    goOffline: stop,
    comeBack: async () => {
      server = await listen(bound, serve);
    },
    close: stop,
  };
}

/** DLE EOT n answers: bits 1 and 4 are always set; 4 (paper) sets bits 5 and 6 at paper end. */
function statusByte(query: number, paperOut: boolean): number {
  if (query === 4) return 0x12 | (paperOut ? 0x60 : 0);
  return 0x12;
}

function listen(port: number, serve: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(serve);
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
