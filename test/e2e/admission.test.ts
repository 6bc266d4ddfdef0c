/**
 * What a client may send over HTTP before its key is known (issue 10, item 2), on raw sockets against a real hub:
 * an anonymous body over ANONYMOUS_BODY_LIMIT is refused 401 before it is sent (by Content-Length) or as soon as
 * it passes the limit (chunked), and the connection is closed; introspection still works without a key; slow
 * anonymous headers and bodies are cut at ANONYMOUS_REQUEST_TIMEOUT_MS; with a valid key, a third body over 4 MB
 * waits for one of two slots without being read and gets 503 with Retry-After after LARGE_BODY_WAIT_MS. On the
 * PostgreSQL server, a hub process answers /healthz within 2 s while 500 slow anonymous connections are open.
 */
process.env.LOG_LEVEL ??= 'silent';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import { createTestDatabase, describeWithServer, TEST_AUDIT_KEY, type TestDatabase } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';
import { chunk, headers, RawRequest } from '../support/raw-http';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HTTP admission: what a request may send before and after its key is known', () => {
  let t: TestHub;
  let port: number;
  const open: RawRequest[] = [];
  const raw = async () => {
    const request = new RawRequest(port);
    open.push(request);
    await request.connected();
    return request;
  };

  beforeAll(async () => {
    t = await startTestHub({ ANONYMOUS_REQUEST_TIMEOUT_MS: '1500', LARGE_BODY_WAIT_MS: '1000' });
    port = t.hub.port;
  });
  afterEach(() => {
    for (const request of open.splice(0)) request.destroy();
  });
  afterAll(() => t?.stop());

  it('an anonymous body over ANONYMOUS_BODY_LIMIT by Content-Length: 401 UNAUTHENTICATED with WWW-Authenticate, answered before any of the body is sent, and the connection closed', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', 'Content-Length': 60 * 1024 * 1024 }));
    // Not a byte of the body has been sent: the answer comes from the headers alone, and the server closes.
    await request.until((r) => r.answered && r.closed, 5_000, 'the answer and the close');
    const answer = request.answer();
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="fuyuan-hub"');
    expect(answer.headers.connection).toBe('close');
    expect(answer.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', limit: 'ANONYMOUS_BODY_LIMIT', value: 64 * 1024 });
    expect(answer.body.errors[0].message).toMatch(/Authorization: Bearer/);
    expect(request.write('{"query":')).toBe(false);
  });

  it('the same with an unknown key: 401 whose WWW-Authenticate says invalid_token', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', Authorization: 'Bearer fyh_not-a-key-of-this-hub', 'Content-Length': 70_000 }));
    await request.until((r) => r.answered && r.closed, 5_000, 'the answer and the close');
    const answer = request.answer();
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Bearer realm="fuyuan-hub", error="invalid_token"');
    expect(answer.body.errors[0].message).toMatch(/not known/);
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('with Expect: 100-continue, an anonymous client over the limit is never asked for its body', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', 'Content-Length': 10_000_000, Expect: '100-continue' }));
    await request.until((r) => r.answered && r.closed, 5_000, 'the answer and the close');
    expect(request.received).not.toContain('100 Continue');
    expect(request.answer().status).toBe(401);
  });

  it('a chunked anonymous body: 401 and closed as soon as it passes ANONYMOUS_BODY_LIMIT, while the client is still sending', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }));
    request.write(chunk('{"query": "{ __typename }", "variables": { "filler": "'));
    let sent = 0;
    // 8 KB every 10 ms, up to 4 MB: the hub answers long before the end.
    while (sent < 4 * 1024 * 1024 && !request.answered) {
      if (!request.write(chunk('x'.repeat(8192)))) break;
      sent += 8192;
      await sleep(10);
    }
    await request.until((r) => r.answered && r.closed, 5_000, 'the answer and the close');
    expect(request.answer().status).toBe(401);
    expect(request.answer().headers['www-authenticate']).toBe('Bearer realm="fuyuan-hub"');
    expect(request.answer().body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', limit: 'ANONYMOUS_BODY_LIMIT' });
    expect(sent).toBeGreaterThan(64 * 1024 - 8192);
    expect(sent).toBeLessThan(1024 * 1024);
  });

  it('a small chunked anonymous body is read and answered', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', Connection: 'close' }));
    request.write(chunk('{"query": "{ __typena'));
    request.write(chunk('me }"}'));
    request.write('0\r\n\r\n');
    await request.until((r) => r.answered, 5_000, 'the answer');
    expect(request.answer().status).toBe(200);
    expect(request.answer().body).toEqual({ data: { __typename: 'Query' } });
  });

  it('introspection without a key still works (the whole introspection query fits the anonymous limit)', async () => {
    const body = JSON.stringify({ query: getIntrospectionQuery() });
    expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024);
    const answer = await t.gql(getIntrospectionQuery(), undefined, null);
    expect(answer.status).toBe(200);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.__schema.queryType.name).toBe('Query');
    // And a request without a key that reads data is still refused as before.
    const me = await t.gql('{ me { roles } }', undefined, null);
    expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('anonymous headers that dribble past ANONYMOUS_REQUEST_TIMEOUT_MS are cut', async () => {
    const request = await raw();
    request.write('POST /graphql HTTP/1.1\r\nHost: hub\r\n');
    const started = Date.now();
    // One header line every 200 ms for up to 20 s: far longer than the 1.5 s allowed.
    while (!request.closed && Date.now() - started < 20_000) {
      request.write(`X-Slow-${Date.now()}: 1\r\n`);
      await sleep(200);
    }
    expect(request.closed).toBe(true);
    expect(request.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an anonymous body that dribbles past ANONYMOUS_REQUEST_TIMEOUT_MS: 408 LIMIT_EXCEEDED naming it, and closed', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', 'Content-Length': 20_000 }));
    const started = Date.now();
    request.write('{"query": "{ __typename }", "x": "');
    while (!request.closed && Date.now() - started < 20_000) {
      request.write('x');
      await sleep(100);
    }
    expect(request.closed).toBe(true);
    const answer = request.answer();
    expect(answer.status).toBe(408);
    expect(answer.body.errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'ANONYMOUS_REQUEST_TIMEOUT_MS', value: 1500 });
  });

  it('a request with a valid key may take longer than ANONYMOUS_REQUEST_TIMEOUT_MS to send its body', async () => {
    const request = await raw();
    const body = JSON.stringify({ query: '{ me { unit { code } } }' });
    request.write(headers({ 'Content-Type': 'application/json', Authorization: `Bearer ${t.adminKey}`, 'Content-Length': Buffer.byteLength(body) }));
    const started = Date.now();
    for (const character of body) {
      expect(request.write(character)).toBe(true);
      if (Date.now() - started < 2_500) await sleep(100);
    }
    await request.until((r) => r.answered, 5_000, 'the answer');
    expect(Date.now() - started).toBeGreaterThan(1500);
    expect(request.answer().body).toEqual({ data: { me: { unit: { code: 'OFFICE' } } } });
  });

  it('a body over BODY_LIMIT with a valid key: 413 before it is sent, closed', async () => {
    const request = await raw();
    request.write(headers({ 'Content-Type': 'application/json', Authorization: `Bearer ${t.adminKey}`, 'Content-Length': 65 * 1024 * 1024 }));
    await request.until((r) => r.answered && r.closed, 5_000, 'the answer and the close');
    expect(request.answer().status).toBe(413);
    expect(request.answer().body.errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'BODY_LIMIT', value: 64 * 1024 * 1024 });
  });

  it('with a valid key, two bodies over 4 MB are read at a time: a third waits unread and gets 503 with Retry-After after LARGE_BODY_WAIT_MS; a small one is not held up', async () => {
    const large = headers({
      'Content-Type': 'application/json',
      Authorization: `Bearer ${t.adminKey}`,
      'Content-Length': 5 * 1024 * 1024,
      Expect: '100-continue',
    });
    // Two large bodies in their slots: asked to continue, they send a little and then hold.
    const first = await raw();
    const second = await raw();
    for (const request of [first, second]) {
      request.write(large);
      await request.until((r) => r.received.includes('100 Continue'), 5_000, '100 Continue');
      request.write('{"query": "{ __typename }", "x": "');
    }
    // The third waits: it is not asked for its body, and after LARGE_BODY_WAIT_MS it is refused.
    const third = await raw();
    third.write(large);
    const waited = Date.now();
    await third.until((r) => r.answered && r.closed, 10_000, 'the 503 and the close');
    expect(Date.now() - waited).toBeGreaterThanOrEqual(900);
    expect(third.received).not.toContain('100 Continue');
    const answer = third.answer();
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body.errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'LARGE_BODY_WAIT_MS', value: 1000 });

    // A small body is not held up by the large ones.
    expect((await t.gql('{ me { unit { code } } }')).data).toEqual({ me: { unit: { code: 'OFFICE' } } });

    // A fourth waits; when the first goes away, its slot passes on: the fourth is asked for its body and answered.
    const fourth = await raw();
    fourth.write(large);
    await sleep(300);
    expect(fourth.received).toBe('');
    first.destroy();
    await fourth.until((r) => r.received.includes('100 Continue'), 5_000, '100 Continue after a slot was freed');
    const padding = 5 * 1024 * 1024 - Buffer.byteLength('{"query": "{ __typename }", "x": ""}');
    fourth.write(`{"query": "{ __typename }", "x": "${'x'.repeat(padding)}"}`);
    await fourth.until((r) => r.answered, 10_000, 'the answer');
    expect(fourth.answer().status).toBe(200);
    expect(fourth.answer().body).toEqual({ data: { __typename: 'Query' } });

    // Nothing is held by requests that went away: with the second gone too, two large bodies at once are both answered.
    second.destroy();
    const body = JSON.stringify({ query: '{ __typename }', x: 'x'.repeat(5 * 1024 * 1024) });
    const answers = await Promise.all(
      [1, 2].map(() =>
        fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body }).then((r) =>
          r.json(),
        ),
      ),
    );
    expect(answers).toEqual([1, 2].map(() => ({ data: { __typename: 'Query' } })));
  });
});

const ROOT = path.resolve(__dirname, '../..');

describeWithServer('HTTP admission on the PostgreSQL server: /healthz while 500 slow anonymous connections are open', () => {
  let db: TestDatabase;
  let stopHub: () => Promise<void>;
  let port: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The hub in a process of its own (as in production), so that its event loop is not this test's.
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js'), 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        AUDIT_KEY: TEST_AUDIT_KEY,
        PORT: '0',
        HOST: '127.0.0.1',
        HUB_ADMIN_KEY: `test-admin-${randomBytes(16).toString('hex')}`,
        LOG_LEVEL: 'warn',
        ANONYMOUS_REQUEST_TIMEOUT_MS: '60000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the hub did not start:\n${output}`)), 90_000);
      const onData = (data: Buffer) => {
        output += String(data);
        const ready = /GraphQL over HTTP and WebSocket at (\S+)/.exec(output);
        if (ready) {
          clearTimeout(timer);
          resolve(ready[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`the hub exited (${code}):\n${output}`)));
    });
    port = Number(new URL(url).port);
    stopHub = () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      });
  }, 120_000);
  afterAll(async () => {
    await stopHub?.();
    await db?.drop();
  });

  it('every /healthz answers within its 2 s deadline while 500 anonymous connections dribble headers and bodies and anonymous 60 MB requests arrive', async () => {
    const slow: RawRequest[] = [];
    const dribble = setInterval(() => {
      for (const request of slow) request.write(request.received ? '' : 'x');
    }, 500);
    try {
      // 300 that dribble their headers, 200 that dribble a small body.
      for (let i = 0; i < 500; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, async (_, j) => {
            const request = new RawRequest(port);
            await request.connected();
            if (i + j < 300) request.write(`POST /graphql HTTP/1.1\r\nHost: hub\r\nX-Slow: `);
            else request.write(headers({ 'Content-Type': 'application/json', 'Content-Length': 60_000 }) + '{"query": "{ __typename }", "x": "');
            return request;
          }),
        );
        slow.push(...batch);
      }
      // Anonymous requests of any size keep arriving: each is refused from its headers.
      let refused = 0;
      let flooding = true;
      const flood = (async () => {
        while (flooding) {
          const request = new RawRequest(port);
          await request.connected();
          request.write(headers({ 'Content-Type': 'application/json', 'Content-Length': 60 * 1024 * 1024 }));
          request.write('{"query": "' + 'x'.repeat(256 * 1024));
          await request.until((r) => r.closed, 10_000, 'the refusal').catch(() => undefined);
          if (request.answered && request.answer().status === 401) refused++;
          request.destroy();
        }
      })();

      const healthUrl = `http://127.0.0.1:${port}/healthz`;
      for (let probe = 0; probe < 5; probe++) {
        await sleep(300);
        // The promise itself: an answer within 2 s. The probe's own deadline is the assertion.
        const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2_000) });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ status: 'up' });
        expect(slow.filter((request) => !request.closed)).toHaveLength(500);
      }
      flooding = false;
      await flood;
      expect(refused).toBeGreaterThan(0);
    } finally {
      clearInterval(dribble);
      for (const request of slow) request.destroy();
    }
  }, 120_000);
});
