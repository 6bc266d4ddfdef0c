/**
 * GraphQL over WebSocket (graphql-ws) against a real hub: keys are checked at connect (4403) and again at every
 * operation (a key revoked while its socket is open stops at its next operation), and errors are coded and
 * masked as over HTTP.
 */
process.env.LOG_LEVEL ??= 'silent';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
let wsUrl: string;
const clients: Client[] = [];

/**
 * When an operation's key fails, the hub closes the socket and throws from graphql-ws's context hook, which
 * graphql-ws reports with console.error; keep the test output readable.
 */
function quietConsoleError(): () => void {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  return () => spy.mockRestore();
}
/** Every error any WebSocket answer carried, checked for leaks at the end. */
const seenErrors: { message: string; extensions?: Record<string, unknown> }[] = [];

beforeAll(async () => {
  t = await startTestHub();
  wsUrl = t.url.replace(/^http/, 'ws');
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await t?.stop();
});

interface Connection {
  client: Client;
  /** The close event of the socket, once it closes. */
  closed: Promise<{ code: number; reason: string }>;
}

function connect(key: string | undefined, lazy = true): Connection {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: key === undefined ? {} : { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy,
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason });
      },
    },
  });
  clients.push(client);
  return { client, closed };
}

/** Outcome of one operation: its result, the errors of an error message, or the socket's close event. */
type Outcome =
  | { kind: 'result'; result: FormattedExecutionResult<any, any> }
  | { kind: 'errors'; errors: { message: string; extensions?: Record<string, unknown> }[] }
  | { kind: 'closed'; code: number; reason: string };

function run(client: Client, query: string, variables?: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve) => {
    let result: FormattedExecutionResult<any, any> | undefined;
    client.subscribe(
      { query, variables },
      {
        next: (value) => {
          result = value;
          for (const error of value.errors ?? []) seenErrors.push(error as any);
        },
        error: (error: unknown) => {
          if (Array.isArray(error)) {
            seenErrors.push(...error);
            resolve({ kind: 'errors', errors: error });
          } else if (error && typeof (error as any).code === 'number') {
            resolve({ kind: 'closed', code: (error as any).code, reason: (error as any).reason });
          } else {
            resolve({ kind: 'errors', errors: [{ message: String((error as Error)?.message ?? error) }] });
          }
        },
        complete: () => resolve({ kind: 'result', result: result! }),
      },
    );
  });
}

/** The errors of an outcome, whichever way they came (an error message or a result with errors). */
function errorsOf(outcome: Outcome) {
  if (outcome.kind === 'errors') return outcome.errors;
  if (outcome.kind === 'result') return (outcome.result.errors ?? []) as readonly { message: string; extensions?: Record<string, any> }[];
  throw new Error(`the socket closed (${outcome.code} ${outcome.reason}) instead of answering`);
}

const ME = `{ me { unit { code } } }`;

describe('GraphQL over WebSocket: keys', () => {
  it('a query works over WebSocket with a valid key', async () => {
    const key = await t.keyFor('WS-READ', ['READ']);
    const { client } = connect(key);
    const outcome = await run(client, ME);
    expect(outcome).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-READ' } } } } });
  });

  it('the office key sees itself over WebSocket', async () => {
    const { client } = connect(t.adminKey);
    const outcome = await run(client, `{ me { unit { code isOffice } roles } }`);
    expect(outcome.kind).toBe('result');
    const data = (outcome as any).result.data.me;
    expect(data.unit).toEqual({ code: 'OFFICE', isOffice: true });
    expect(data.roles).toContain('ADMIN');
  });

  it('no key at connect: the socket is closed with 4403', async () => {
    const { client, closed } = connect(undefined);
    const outcome = await run(client, ME);
    expect(outcome).toMatchObject({ kind: 'closed', code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  it('a header that is not Bearer counts as no key: 4403', async () => {
    const key = await t.keyFor('WS-READ', ['READ']);
    let closedCode: number | undefined;
    const client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Basic ${key}` },
      retryAttempts: 0,
      on: { closed: (event) => (closedCode = (event as { code: number }).code) },
    });
    clients.push(client);
    const outcome = await run(client, ME);
    expect(outcome).toMatchObject({ kind: 'closed', code: 4403 });
    expect(closedCode).toBe(4403);
  });

  it('an unknown key at connect: 4403', async () => {
    const { client, closed } = connect('fyh_thisKeyWasNeverIssuedByTheHubAtAll0000000000');
    expect(await run(client, ME)).toMatchObject({ kind: 'closed', code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  it('an expired key at connect: 4403 (and the same key still works before it expires)', async () => {
    const key = await t.keyFor('WS-EXP', ['READ']);
    const before = connect(key);
    expect(await run(before.client, ME)).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-EXP' } } } } });
    await sql(
      t.databaseUrl,
      `update credential set expires_at = now() - interval '1 minute' where unit_id = (select id from unit where code = 'WS-EXP')`,
    );
    // Written straight into PostgreSQL, bypassing the hub: seen within CREDENTIAL_CACHE_MS (1 s by default).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const { client, closed } = connect(key);
    expect(await run(client, ME)).toMatchObject({ kind: 'closed', code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  it('a revoked key at connect: 4403', async () => {
    const key = await t.keyFor('WS-REV', ['READ']);
    const credentialId = await credentialIdOf(key);
    const revoked = await t.gql(`mutation($id: ID!) { revokeCredential(id: $id) { status } }`, { id: credentialId });
    expect(revoked.data.revokeCredential.status).toBe('REVOKED');
    const { client, closed } = connect(key);
    expect(await run(client, ME)).toMatchObject({ kind: 'closed', code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  it('a key revoked while its socket is open stops at the next operation with 4403', async () => {
    const key = await t.keyFor('WS-LIVE', ['READ']);
    const credentialId = await credentialIdOf(key);
    const { client, closed } = connect(key, false);
    expect(await run(client, ME)).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-LIVE' } } } } });
    expect(await run(client, ME)).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-LIVE' } } } } });

    const revoked = await t.gql(`mutation($id: ID!) { revokeCredential(id: $id) { status } }`, { id: credentialId });
    expect(revoked.data.revokeCredential.status).toBe('REVOKED');

    const restore = quietConsoleError();
    const after = await run(client, ME).finally(restore);
    expect(after).toMatchObject({ kind: 'closed', code: 4403 });
    expect((await closed).code).toBe(4403);
  });

  async function credentialIdOf(key: string): Promise<string> {
    const me = await t.gql(`{ me { credential { id } } }`, {}, key);
    return me.data.me.credential.id;
  }
});

describe('GraphQL over WebSocket: errors are coded and masked as over HTTP', () => {
  let reader: Client;
  beforeAll(async () => {
    reader = connect(await t.keyFor('WS-ERR', ['READ']), false).client;
  });

  it('an unknown field: GRAPHQL_VALIDATION_FAILED, like HTTP', async () => {
    const query = `{ me { unit { code noSuchField } } }`;
    const errors = errorsOf(await run(reader, query));
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errors[0].message).toContain('noSuchField');
    const http = await t.gql(query);
    expect(http.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a syntax error: GRAPHQL_PARSE_FAILED, like HTTP', async () => {
    const query = `{ me { unit { code }`;
    const errors = errorsOf(await run(reader, query));
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(errors[0].message).toMatch(/Syntax Error/);
    const http = await t.gql(query);
    expect(http.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('an invalid USCC variable: BAD_USER_INPUT naming the rule, like HTTP', async () => {
    const query = `query($uscc: USCC!) { enterprise(uscc: $uscc) { name } }`;
    // 18 characters, but the check character is wrong.
    const errors = errorsOf(await run(reader, query, { uscc: '91140800MA0GRQ0000' }));
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(typeof errors[0].extensions?.rule).toBe('string');
    const http = await t.gql(query, { uscc: '91140800MA0GRQ0000' });
    expect(http.errors?.[0].extensions).toEqual(errors[0].extensions);

    const short = errorsOf(await run(reader, query, { uscc: '911408' }));
    expect(short[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', rule: 'length' });
    expect(short[0].message).toContain('USCC');
  });

  it('a missing required variable is BAD_USER_INPUT, like HTTP', async () => {
    const query = `query($uscc: USCC!) { enterprise(uscc: $uscc) { name } }`;
    const errors = errorsOf(await run(reader, query));
    expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toContain('$uscc');
    expect((await t.gql(query)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('over HTTP, a variable of the wrong type (Int given "many") is BAD_USER_INPUT', async () => {
    const http = await t.gql(`query($first: Int) { units(first: $first) { totalCount } }`, { first: 'many' });
    expect(http.status).toBe(200); // GraphQL over HTTP: a request error under application/json is 200 (src/graphql/http-status.ts)
    expect(http.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(http.errors?.[0].message).toContain('$first');
  });

  // graphql-js's own coercion errors carry its GraphQLError as originalError; they are the caller's.
  it('over WebSocket, a variable of the wrong type (Int given "many") is BAD_USER_INPUT, like HTTP', async () => {
    const errors = errorsOf(await run(reader, `query($first: Int) { units(first: $first) { totalCount } }`, { first: 'many' }));
    expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toContain('$first');
  });

  it('a missing role: FORBIDDEN, like HTTP', async () => {
    const mutation = `mutation { createUnit(input: { code: "WS-EVIL", kind: TAX, name: "n", regionCode: "140800" }) { id } }`;
    const errors = errorsOf(await run(reader, mutation));
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions?.code).toBe('FORBIDDEN');
    expect(errors[0].message).toContain('ADMIN');
    const units = await t.gql(`{ units(first: 500) { edges { node { code } } } }`);
    expect(units.data.units.edges.map((e: any) => e.node.code)).not.toContain('WS-EVIL');
  });

  it('a database failure is masked as INTERNAL_SERVER_ERROR, without SQL', async () => {
    await sql(t.databaseUrl, 'alter table enterprise rename to enterprise_gone_ws');
    try {
      const outcome = await run(reader, `{ enterprises { totalCount edges { node { uscc } } } }`);
      const errors = errorsOf(outcome);
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      }
      const text = JSON.stringify(outcome);
      expect(text).not.toMatch(/select|relation|enterprise_gone_ws/i);
    } finally {
      await sql(t.databaseUrl, 'alter table enterprise_gone_ws rename to enterprise');
    }
    // The socket and the hub go on serving.
    expect(await run(reader, ME)).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-ERR' } } } } });
  });

  it('a database failure while checking the key ends that operation with a masked error; the socket stays', async () => {
    const { client } = connect(await t.keyFor('WS-ERR', ['READ']), false);
    expect(await run(client, ME)).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-ERR' } } } } });
    await sql(t.databaseUrl, 'alter table credential rename to credential_gone_ws');
    // The key's row may be cached for CREDENTIAL_CACHE_MS (1 s): the next look-up is the one that fails.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const printed: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    let outcome: Outcome;
    try {
      outcome = await run(client, ME);
    } finally {
      console.error = original;
      await sql(t.databaseUrl, 'alter table credential_gone_ws rename to credential');
    }
    expect(outcome).toMatchObject({ kind: 'errors' });
    expect(errorsOf(outcome)).toEqual([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(outcome)).not.toMatch(/select|relation|credential_gone_ws|key_hash/i);
    // Nothing went around the structured log to the console (graphql-ws prints errors thrown in its hooks).
    expect(printed).toEqual([]);
    // The same socket goes on serving once the database is back.
    expect(await run(client, ME)).toEqual({ kind: 'result', result: { data: { me: { unit: { code: 'WS-ERR' } } } } });
  });

  it('no error answer shows a stack trace, SQL or node_modules', () => {
    expect(seenErrors.length).toBeGreaterThanOrEqual(6);
    for (const error of seenErrors) {
      const text = JSON.stringify(error);
      expect(text).not.toContain('    at ');
      expect(text).not.toMatch(/node_modules|\bselect\b|\binsert into\b|stacktrace/i);
      expect(error.extensions?.code).toEqual(expect.any(String));
    }
  });
});
