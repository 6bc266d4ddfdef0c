/**
 * The endpoint follows the GraphQL-over-HTTP specification: graphql-http's audit suite runs against a real hub,
 * and every audit passes, the MUSTs and the SHOULDs (and the MAYs the hub chose).
 */
import { serverAudits } from 'graphql-http';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.stop());

const audits = serverAudits({ url: () => t.url, fetchFn: fetch });

it.each(audits.map((audit) => [audit.name, audit] as const))('%s', async (_name, audit) => {
  const result = await audit.fn();
  if (result.status === 'ok') return;
  const response = result.response
    ? { status: result.response.status, headers: Object.fromEntries(result.response.headers), body: await result.response.text() }
    : null;
  throw new Error(`${result.status}: ${result.reason}\n${JSON.stringify(response)}`);
});

describe('status codes of failures before execution, by the media type the client accepts', () => {
  const post = (body: unknown, accept?: string) =>
    fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}`, ...(accept ? { accept } : {}) },
      body: JSON.stringify(body),
    });
  const cases: [string, unknown, string][] = [
    ['a document that does not parse', { query: '{ me {' }, 'GRAPHQL_PARSE_FAILED'],
    ['a document that does not validate', { query: '{ nothing }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['variables that do not coerce', { query: 'query($n: Int) { units(first: $n) { totalCount } }', variables: { n: 'many' } }, 'BAD_USER_INPUT'],
  ];

  it.each(cases)('%s: 200 under application/json, the error coded in the body', async (_name, body, code) => {
    for (const accept of [undefined, 'application/json', 'application/json; charset=utf-8', '*/*']) {
      const answer = await post(body, accept);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await answer.json()) as any).errors[0].extensions.code).toBe(code);
    }
  });

  it.each(cases)('%s: 400 under application/graphql-response+json', async (_name, body, code) => {
    const answer = await post(body, 'application/graphql-response+json');
    expect(answer.status).toBe(400);
    expect(answer.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    const json = (await answer.json()) as any;
    expect(json.errors[0].extensions.code).toBe(code);
    expect(json).not.toHaveProperty('data');
  });

  it('an error during execution is 200 under both media types', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const answer = await post({ query: '{ case(id: "00000000-0000-4000-8000-000000000000") { id } }' }, accept);
      expect(answer.status).toBe(200);
      const json = (await answer.json()) as any;
      expect(json.errors[0].extensions.code).toBe('NOT_FOUND');
    }
  });

  it('queries also over GET, with the key; mutations never over GET', async () => {
    const query = await fetch(`${t.url}?query=${encodeURIComponent('{ me { unit { code } } }')}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(query.status).toBe(200);
    expect(((await query.json()) as any).data.me.unit.code).toBe('OFFICE');
    const mutation = await fetch(`${t.url}?query=${encodeURIComponent('mutation { revokeCredential(id: "x") { id } }')}`, {
      headers: { authorization: `Bearer ${t.adminKey}` },
    });
    expect(mutation.status).toBe(405);
  });
});
