/**
 * Counts the SQL statements a process sends to PostgreSQL without its cooperation: a TCP proxy between it and the
 * server that reads the frontend messages of the wire protocol and forwards every byte unchanged. A simple Query
 * ('Q') is one statement (BEGIN, COMMIT and SET included); in the extended protocol each Execute ('E') is one, of
 * the text its Bind named (prepared by a Parse once per connection, or unnamed each time). The proxy costs the
 * bench's own CPU and a hop per statement, so it serves a counting pass of its own, never a timed one. Plain
 * connections only: one that asks for TLS (or GSS encryption) is passed on but not read, and counted as unreadable.
 */
import net from 'node:net';

export interface StatementProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url: string;
  /** Statements counted since the last reset. */
  count(): number;
  /** The statements since the last reset by text (whitespace collapsed), most frequent first. */
  texts(): [string, number][];
  /** Connections whose traffic could not be read (TLS). */
  unreadable(): number;
  reset(): void;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

export async function startStatementProxy(databaseUrl: string): Promise<StatementProxy> {
  const target = new URL(databaseUrl);
  let counts = new Map<string, number>();
  let total = 0;
  let unreadable = 0;
  const count = (text: string) => {
    total++;
    const key = text.replace(/\s+/g, ' ').trim();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => (socket === client ? upstream : client).destroy());
    }
    const reader = frontendReader(count, () => unreadable++);
    client.on('data', (chunk: Buffer) => reader(chunk));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    count: () => total,
    texts: () => [...counts].sort((a, b) => b[1] - a[1]),
    unreadable: () => unreadable,
    reset() {
      counts = new Map();
      total = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads one connection's frontend stream, calling `count` with the text of each statement it runs. */
function frontendReader(count: (text: string) => void, onUnreadable: () => void): (chunk: Buffer) => void {
  let buffer: Buffer = Buffer.alloc(0);
  let started = false;
  let broken = false;
  const prepared = new Map<string, string>();
  const portals = new Map<string, string>();
  const strings = (body: Buffer, n: number): string[] => {
    const out: string[] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      const end = body.indexOf(0, at);
      out.push(body.toString('utf8', at, end));
      at = end + 1;
    }
    return out;
  };
  const message = (type: string, body: Buffer) => {
    if (type === 'Q') count(strings(body, 1)[0]);
    else if (type === 'P') {
      const [name, text] = strings(body, 2);
      prepared.set(name, text);
    } else if (type === 'B') {
      const [portal, statement] = strings(body, 2);
      portals.set(portal, prepared.get(statement) ?? '(unknown prepared statement)');
    } else if (type === 'E') count(portals.get(strings(body, 1)[0]) ?? '(unknown portal)');
  };
  return (chunk) => {
    if (broken) return;
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      if (!started) {
        // The start-up message, or an SSLRequest or GSSENCRequest before it, has no type byte.
        if (buffer.length < 8 || buffer.length < buffer.readInt32BE(0)) return;
        const code = buffer.readInt32BE(4);
        buffer = buffer.subarray(buffer.readInt32BE(0));
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          // What follows may be encrypted: this connection is not counted (and the pass says so).
          broken = true;
          onUnreadable();
          return;
        }
        started = true;
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      message(String.fromCharCode(buffer[0]), buffer.subarray(5, 1 + length));
      buffer = buffer.subarray(1 + length);
    }
  };
}
