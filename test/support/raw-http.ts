/**
 * HTTP/1.1 on a raw socket, for tests that must control every byte a client sends and see exactly what the hub
 * answers and when it closes the connection (slow clients, bodies refused before they are sent).
 */
import net from 'node:net';

/** A raw HTTP/1.1 exchange: what the server sent, and whether and when it closed the connection. */
export class RawRequest {
  readonly socket: net.Socket;
  received = '';
  closed = false;
  private readonly waiters = new Set<() => void>();

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (chunk: string) => {
      this.received += chunk;
      this.notify();
    });
    // A reset after the answer is a closed connection too.
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  /** Writes unless closed; false once the server closed the connection. */
  write(text: string | Buffer): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(text, () => undefined);
    return true;
  }

  /** Resolves once `done` holds (checked on every byte and on close); rejects after `ms`. */
  until(done: (r: RawRequest) => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received so far: ${JSON.stringify(this.received.slice(0, 500))}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** The status line's code, the headers (lower-case names) and the JSON body of the (last non-100) answer. */
  answer(): { status: number; headers: Record<string, string>; body: any } {
    const text = this.received.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
    const [head, ...rest] = text.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const raw = rest.join('\r\n\r\n');
    let body: any;
    try {
      body = JSON.parse(Buffer.from(raw, 'latin1').toString('utf8'));
    } catch {
      body = undefined;
    }
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  get answered(): boolean {
    const text = this.received.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
    const head = text.indexOf('\r\n\r\n');
    if (head < 0) return false;
    const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, head));
    return !length || Buffer.byteLength(text.slice(head + 4), 'latin1') >= Number(length[1]);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The head of a POST /graphql with `lines` as its headers. */
export function headers(lines: Record<string, string | number>): string {
  return `POST /graphql HTTP/1.1\r\nHost: hub\r\n${Object.entries(lines)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

/** One chunk of a chunked body. */
export function chunk(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}
