/**
 * HTTP-level behaviour of a real hub: malformed and oversized bodies answered in the GraphQL error shape (and the
 * hub keeps serving), GET queries, health and readiness, 404s, and masking of internal errors in any NODE_ENV.
 */
process.env.LOG_LEVEL ??= 'silent';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  body: any;
}

async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, body };
}

function post(t: TestHub, body: string, key: string | null = t.adminKey): Promise<Answer> {
  return request(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body,
  });
}

/** Nothing internal in an answer: no SQL, no stack trace, no file paths. */
function expectNothingInternal(text: string, ...words: string[]): void {
  expect(text).not.toContain('    at ');
  expect(text).not.toMatch(/\bselect\b|\brelation\b|\bfrom "|node_modules|stacktrace|\.ts:\d|\.js:\d/i);
  for (const word of words) expect(text).not.toContain(word);
}

async function expectServing(t: TestHub): Promise<void> {
  const me = await t.gql(`{ me { unit { code } } }`);
  expect(me.status).toBe(200);
  expect(me.data).toEqual({ me: { unit: { code: 'OFFICE' } } });
}

describe('HTTP: bodies, GET, health, 404', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ BODY_LIMIT: '2kb' });
  });
  afterAll(() => t?.stop());

  it('malformed JSON: 400 with a JSON error body coded BAD_REQUEST, and the hub keeps serving', async () => {
    const answer = await post(t, '{"query": "{ me { roles } }"');
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/application\/json/);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(answer.body.errors[0].message).toMatch(/JSON/);
    expectNothingInternal(answer.text, 'SyntaxError');
    await expectServing(t);
  });

  it('malformed JSON without a key is still 400 BAD_REQUEST (not UNAUTHENTICATED)', async () => {
    const answer = await post(t, '{not json', null);
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('a body over BODY_LIMIT: 413 coded LIMIT_EXCEEDED naming BODY_LIMIT, and the hub keeps serving', async () => {
    const filler = 'x'.repeat(4096);
    const answer = await post(t, JSON.stringify({ query: `{ me { roles } }`, variables: { filler } }));
    expect(answer.status).toBe(413);
    expect(answer.contentType).toMatch(/application\/json/);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'BODY_LIMIT', value: 2048 });
    expectNothingInternal(answer.text);
    await expectServing(t);
  });

  it('a body just under BODY_LIMIT is accepted', async () => {
    const filler = 'x'.repeat(1500);
    const answer = await post(t, JSON.stringify({ query: `{ me { roles } }`, variables: { filler } }));
    expect(answer.status).toBe(200);
    expect(answer.body.data.me.roles).toContain('ADMIN');
  });

  it('GET /graphql?query=… with a bearer key answers the query (CSRF prevention is off)', async () => {
    const answer = await request(`${t.url}?query=${encodeURIComponent('{me{roles}}')}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.me.roles.sort()).toEqual(['ADMIN', 'ANALYZE', 'PERSONAL_DATA', 'PUBLISH', 'READ', 'SUBSCRIBE']);
  });

  it('GET /graphql without a key is UNAUTHENTICATED', async () => {
    const answer = await request(`${t.url}?query=${encodeURIComponent('{me{roles}}')}`);
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(answer.body.data).toBeNull();
  });

  it('a mutation over GET is refused and changes nothing', async () => {
    const mutation = `mutation { createUnit(input: { code: "GET-UNIT", kind: TAX, name: "n", regionCode: "140800" }) { id } }`;
    const answer = await request(`${t.url}?query=${encodeURIComponent(mutation)}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(answer.status).toBe(405);
    expect(answer.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(answer.body.data).toBeUndefined();
    const units = await t.gql(`{ units(first: 500) { edges { node { code } } } }`);
    expect(units.data.units.edges.map((e: any) => e.node.code)).not.toContain('GET-UNIT');
    // The same mutation over POST works: the refusal was about the method.
    const posted = await t.gql(mutation);
    expect(posted.errors).toBeUndefined();
  });

  it('GET /healthz: 200 {status: "up"}', async () => {
    const answer = await request(t.url.replace(/\/graphql$/, '/healthz'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'up' });
  });

  it('GET /readyz: 200 {status: "ready"}', async () => {
    const answer = await request(t.url.replace(/\/graphql$/, '/readyz'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ready' });
  });

  it('an unknown path: 404 with a JSON error body', async () => {
    for (const path of ['/nope', '/graphql-not', '/healthz/extra']) {
      const answer = await request(t.url.replace(/\/graphql$/, path));
      expect(answer.status).toBe(404);
      expect(answer.contentType).toMatch(/application\/json/);
      expect(answer.body.errors[0].extensions.code).toBe('NOT_FOUND');
    }
    const posted = await request(t.url.replace(/\/graphql$/, '/nope'), {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(posted.status).toBe(404);
  });

  it('the answers never carry X-Powered-By', async () => {
    const response = await fetch(t.url.replace(/\/graphql$/, '/healthz'));
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

/** The same masking checks, run against a hub started under each NODE_ENV. */
function maskingSuite(nodeEnv: string): void {
  describe(`HTTP: internal errors are masked (NODE_ENV=${nodeEnv})`, () => {
    let t: TestHub;
    const saved = process.env.NODE_ENV;
    beforeAll(async () => {
      process.env.NODE_ENV = nodeEnv;
      try {
        t = await startTestHub();
      } finally {
        process.env.NODE_ENV = saved;
      }
    });
    afterAll(() => t?.stop());

    it('a database failure in a resolver: INTERNAL_SERVER_ERROR, "Internal server error", nothing internal', async () => {
      await sql(t.databaseUrl, 'alter table enterprise rename to enterprise_gone');
      let answer: Answer;
      try {
        answer = await post(t, JSON.stringify({ query: `{ enterprises { totalCount edges { node { uscc name } } } }` }));
      } finally {
        await sql(t.databaseUrl, 'alter table enterprise_gone rename to enterprise');
      }
      expect(answer.body.errors.length).toBeGreaterThan(0);
      for (const error of answer.body.errors) {
        expect(error.message).toBe('Internal server error');
        expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      }
      expectNothingInternal(answer.text, 'enterprise_gone', 'TableNotFound', 'exception');
      // Renamed back: the same query works again.
      const again = await t.gql(`{ enterprises { totalCount } }`);
      expect(again.errors).toBeUndefined();
      expect(again.data.enterprises.totalCount).toBe(0);
    });

    it('a database failure while checking the key: a masked 500-class error, nothing internal', async () => {
      await sql(t.databaseUrl, 'alter table credential rename to credential_gone');
      // The key's row may be cached for CREDENTIAL_CACHE_MS (1 s): the next look-up is the one that fails.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      let answer: Answer;
      try {
        answer = await post(t, JSON.stringify({ query: `{ me { roles } }` }));
      } finally {
        await sql(t.databaseUrl, 'alter table credential_gone rename to credential');
      }
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect(answer.body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(answer.body.errors[0].message).toBe('Internal server error');
      expectNothingInternal(answer.text, 'credential_gone', 'key_hash', 'Context creation');
      await expectServing(t);
    });

    it('client errors keep their message and code, without a stack trace', async () => {
      const answers = [
        await post(t, JSON.stringify({ query: `{ me { nope } }` })),
        await post(t, JSON.stringify({ query: `{ me {` })),
        await post(t, JSON.stringify({ query: `query($u: USCC!) { enterprise(uscc: $u) { name } }`, variables: { u: 'short' } })),
        await post(t, JSON.stringify({ query: `{ me { roles } }` }), 'fyh_unknown_key_unknown_key_unknown_key_unknown'),
      ];
      expect(answers.map((a) => a.body.errors[0].extensions.code)).toEqual([
        'GRAPHQL_VALIDATION_FAILED',
        'GRAPHQL_PARSE_FAILED',
        'BAD_USER_INPUT',
        'UNAUTHENTICATED',
      ]);
      expect(answers[2].body.errors[0].extensions.rule).toBe('length');
      for (const answer of answers) {
        expectNothingInternal(answer.text);
        for (const error of answer.body.errors) expect(Object.keys(error.extensions).sort()).not.toContain('stacktrace');
      }
    });
  });
}

maskingSuite('production');
maskingSuite('development');
