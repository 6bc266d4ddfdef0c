/**
 * What a WebSocket may send and hold (issue 10, items 2 and 4), with raw graphql-transport-ws sockets against a
 * real hub: a message over WS_MESSAGE_LIMIT closes the socket with 1009; before connection_ack, a message over
 * ANONYMOUS_BODY_LIMIT closes it with 4400 even when graphql-ws would have accepted it; MAX_OPERATIONS_PER_SOCKET,
 * MAX_SOCKETS_PER_KEY and MAX_SUBSCRIPTIONS_PER_KEY refuse the extra subscribe with LIMIT_EXCEEDED naming the cap
 * while the socket's other operations keep receiving changes.
 */
process.env.LOG_LEVEL ??= 'silent';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { startTestHub, type TestHub } from '../support/hub';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';

const SUBSCRIPTION = 'subscription { changes(filter: { topics: [RISK_ENTRY] }) { cursor } }';

/** A raw graphql-transport-ws socket that records every message and its close. */
class RawSocket {
  readonly socket: WebSocket;
  readonly messages: any[] = [];
  close: { code: number; reason: string } | null = null;

  constructor(url: string) {
    this.socket = new WebSocket(url, 'graphql-transport-ws');
    this.socket.on('message', (data) => this.messages.push(JSON.parse(String(data))));
    this.socket.on('close', (code, reason) => (this.close = { code, reason: String(reason) }));
    this.socket.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.readyState === WebSocket.OPEN) return resolve();
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  async init(key: string, payload: Record<string, unknown> = {}): Promise<void> {
    await this.opened();
    this.send({ type: 'connection_init', payload: { authorization: `Bearer ${key}`, ...payload } });
    await until(() => this.messages.some((m) => m.type === 'connection_ack') || this.close !== null, 5_000, 'connection_ack');
    if (this.close) throw new Error(`closed ${JSON.stringify(this.close)} instead of acknowledged`);
  }

  subscribe(id: string, query: string): void {
    this.send({ id, type: 'subscribe', payload: { query } });
  }

  complete(id: string): void {
    this.send({ id, type: 'complete' });
  }

  of(id: string, type?: string): any[] {
    return this.messages.filter((m) => m.id === id && (!type || m.type === type));
  }

  closed(ms = 5_000): Promise<{ code: number; reason: string }> {
    return until(() => this.close !== null, ms, 'the close').then(() => this.close!);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let serial = 0;
function uscc(): string {
  const first17 = `91140802MA0W${String(++serial).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
}

describe('WebSocket admission: message sizes and caps per socket and per key', () => {
  let t: TestHub;
  let wsUrl: string;
  let publisher: string;
  const sockets: RawSocket[] = [];
  const open = () => {
    const socket = new RawSocket(wsUrl);
    sockets.push(socket);
    return socket;
  };
  /** One change on the RISK_ENTRY topic (one entry published by the tax bureau). */
  const change = async () => {
    const answer = await t.gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { added } }`,
      {
        input: {
          listType: 'TAX_ARREARS',
          mode: 'DELTA',
          idempotencyKey: randomUUID(),
          entries: [
            {
              uscc: uscc(),
              enterpriseName: `运城测试${serial}有限公司`,
              riskLevel: 'BLUE',
              categories: ['FINANCIAL'],
              amount: '100.00',
              details: { taxTypes: ['增值税'] },
            },
          ],
        },
      },
      publisher,
    );
    expect(answer.errors).toBeUndefined();
  };
  /** A new key of the tax bureau (each a key of its own for the per-key caps). */
  const newKey = () => t.keyFor('YC-TAX', ['READ', 'SUBSCRIBE', 'PUBLISH'], 'TAX');
  /** Subscribes `ids` and waits until the feed holds `total` subscriptions. */
  const subscribeAll = async (socket: RawSocket, ids: string[], total: number) => {
    for (const id of ids) socket.subscribe(id, SUBSCRIPTION);
    await until(() => t.hub.feed.size >= total, 5_000, `${total} subscriptions`);
  };

  beforeAll(async () => {
    t = await startTestHub({ WS_MESSAGE_LIMIT: '256kb', MAX_OPERATIONS_PER_SOCKET: '3', MAX_SOCKETS_PER_KEY: '2', MAX_SUBSCRIPTIONS_PER_KEY: '4' });
    wsUrl = t.url.replace(/^http/, 'ws');
    publisher = await newKey();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await until(() => t.hub.feed.size === 0, 5_000, 'every subscription to end');
  });
  afterAll(() => t?.stop());

  it('a message over WS_MESSAGE_LIMIT closes the socket with 1009, and the hub goes on serving', async () => {
    const socket = open();
    await socket.init(t.adminKey);
    socket.subscribe('big', `{ __typename } # ${'x'.repeat(300 * 1024)}`);
    expect((await socket.closed()).code).toBe(1009);
    const next = open();
    await next.init(t.adminKey);
    next.subscribe('small', `{ __typename } # ${'x'.repeat(200 * 1024)}`);
    await until(() => next.of('small', 'complete').length === 1, 5_000, 'the answer');
    expect(next.of('small', 'next')[0].payload).toEqual({ data: { __typename: 'Query' } });
  });

  it('before connection_ack, a message over ANONYMOUS_BODY_LIMIT closes the socket with 4400, even a valid connection_init with a valid key', async () => {
    const socket = open();
    await socket.opened();
    // graphql-ws itself would accept this one: a well-formed connection_init carrying a valid key.
    socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${t.adminKey}`, padding: 'x'.repeat(70 * 1024) } });
    expect(await socket.closed()).toEqual({ code: 4400, reason: expect.stringMatching(/ANONYMOUS_BODY_LIMIT/) });
    expect(socket.messages).toEqual([]);
    // Under the limit the same is acknowledged.
    await open().init(t.adminKey, { padding: 'x'.repeat(60 * 1024) });
  });

  it('over MAX_OPERATIONS_PER_SOCKET a subscribe gets LIMIT_EXCEEDED naming it; the socket and its other subscriptions go on; a completed one frees its place', async () => {
    const socket = open();
    await socket.init(await newKey());
    await subscribeAll(socket, ['a', 'b', 'c'], 3);
    socket.subscribe('d', SUBSCRIPTION);
    await until(() => socket.of('d', 'error').length === 1, 5_000, 'the refusal');
    expect(socket.of('d', 'error')[0].payload[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_OPERATIONS_PER_SOCKET', value: 3 });
    expect(t.hub.feed.size).toBe(3);
    await change();
    await until(() => ['a', 'b', 'c'].every((id) => socket.of(id, 'next').length === 1), 5_000, 'the change on the three');
    expect(socket.close).toBeNull();
    // A query counts too while the three run; once one completes, a new operation has room.
    socket.subscribe('q', '{ __typename }');
    await until(() => socket.of('q', 'error').length === 1, 5_000, 'the query refused');
    socket.complete('a');
    await until(() => t.hub.feed.size === 2, 5_000, 'a to end');
    socket.subscribe('e', SUBSCRIPTION);
    await until(() => t.hub.feed.size === 3, 5_000, 'e to start');
    await change();
    await until(
      () => ['b', 'c', 'e'].every((id) => socket.of(id, 'next').length >= 1) && socket.of('b', 'next').length === 2,
      5_000,
      'the second change',
    );
  });

  it('over MAX_SUBSCRIPTIONS_PER_KEY (across its sockets) a subscribe gets LIMIT_EXCEEDED naming it; a query on the same socket still runs; another key is not counted', async () => {
    const key = await newKey();
    const first = open();
    const second = open();
    await first.init(key);
    await second.init(key);
    await subscribeAll(first, ['a', 'b', 'c'], 3);
    await subscribeAll(second, ['d'], 4);
    second.subscribe('e', SUBSCRIPTION);
    await until(() => second.of('e', 'error').length === 1, 5_000, 'the refusal');
    expect(second.of('e', 'error')[0].payload[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_SUBSCRIPTIONS_PER_KEY', value: 4 });
    second.subscribe('q', '{ me { unit { code } } }');
    await until(() => second.of('q', 'complete').length === 1, 5_000, 'the query');
    expect(second.of('q', 'next')[0].payload).toEqual({ data: { me: { unit: { code: 'YC-TAX' } } } });
    // Another key of the same unit has caps of its own.
    const other = open();
    await other.init(await newKey());
    await subscribeAll(other, ['x'], 5);
    await change();
    await until(
      () =>
        ['a', 'b', 'c'].every((id) => first.of(id, 'next').length === 1) && second.of('d', 'next').length === 1 && other.of('x', 'next').length === 1,
      5_000,
      'the change everywhere',
    );
    // A socket closing gives its subscriptions back to the key.
    first.terminate();
    await until(() => t.hub.feed.size === 2, 5_000, "the first socket's subscriptions to end");
    second.subscribe('f', SUBSCRIPTION);
    await until(() => t.hub.feed.size === 3, 5_000, 'f to start');
    expect(second.of('f', 'error')).toEqual([]);
  });

  it('over MAX_SOCKETS_PER_KEY a third socket is acknowledged but its subscribe gets LIMIT_EXCEEDED naming it; the first two go on; when one closes the third has room', async () => {
    const key = await newKey();
    const [one, two, three] = [open(), open(), open()];
    await one.init(key);
    await two.init(key);
    await three.init(key);
    await subscribeAll(one, ['a'], 1);
    await subscribeAll(two, ['b'], 2);
    three.subscribe('c', SUBSCRIPTION);
    await until(() => three.of('c', 'error').length === 1, 5_000, 'the refusal');
    expect(three.of('c', 'error')[0].payload[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_SOCKETS_PER_KEY', value: 2 });
    await change();
    await until(() => one.of('a', 'next').length === 1 && two.of('b', 'next').length === 1, 5_000, 'the change on the first two');
    one.terminate();
    await until(() => t.hub.feed.size === 1, 5_000, "the first socket's subscription to end");
    three.subscribe('d', SUBSCRIPTION);
    await until(() => t.hub.feed.size === 2, 5_000, 'd to start');
    await change();
    await until(() => three.of('d', 'next').length === 1 && two.of('b', 'next').length === 2, 5_000, 'the second change');
  });
});
