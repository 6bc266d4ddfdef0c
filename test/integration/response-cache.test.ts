/**
 * The response cache (src/graphql/response-cache.ts): a repeated read query is answered from memory, but never
 * with data older than the last commit, never across callers, and never for answers that depend on the clock.
 * A cached answer carries Apollo's `age` header, which is how these tests tell a hit from an execution.
 *
 * The hits are asserted on the embedded database, which no other test shares: on the PostgreSQL server every
 * commit of any other test running meanwhile changes the snapshot and (rightly) makes the cache miss.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const yanhu = (n: number) => uscc(`91140802MA0K${String(n).padStart(5, '0')}`);

const PUBLISH = `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed added withdrawn } }`;
const LIST = `{ riskEntries(first: 50) { edges { node { id uscc riskLevel classification } } } }`;

interface Answer {
  cached: boolean;
  body: any;
}

/** POSTs a query; `cached` when the answer came from the cache (Apollo sets `age` only then). */
async function ask(t: TestHub, key: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { cached: response.headers.has('age'), body: await response.json() };
}

async function publish(t: TestHub, key: string, entries: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  const result = await t.gql(PUBLISH, { input: { listType: 'ZOMBIE', mode: 'DELTA', idempotencyKey: randomUUID(), entries, ...extra } }, key);
  expect(result.errors).toBeUndefined();
  expect(result.data.publishRiskList.committed).toBe(true);
}

const zombie = (code: string, over: Record<string, unknown> = {}) => ({
  uscc: code,
  enterpriseName: `僵尸企业${code.slice(-5)}`,
  riskLevel: 'ORANGE',
  categories: ['MARKET'],
  details: { basis: '连续三年亏损且停产' },
  ...over,
});

const usccsOf = (answer: Answer) => answer.body.data.riskEntries.edges.map((edge: any) => edge.node.uscc).sort();

describe('the response cache', () => {
  let t: TestHub;
  let tax: string;
  let court: string;
  let pboc: string;

  beforeAll(async () => {
    t = await startTestHub({}, undefined, { embedded: true });
    tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    court = await t.keyFor('YC-COURT', ['READ'], 'COURT');
    pboc = await t.keyFor('YC-PBOC', ['READ'], 'PBOC');
    await publish(t, tax, [zombie(yanhu(1)), zombie(yanhu(2))]);
    await publish(t, tax, [zombie(yanhu(3))], { classification: 'RESTRICTED', sharedWithKinds: ['COURT'] });
  });
  afterAll(() => t?.stop());

  it('answers a repeated query from the cache, with the same data', async () => {
    const first = await ask(t, court, LIST);
    const second = await ask(t, court, LIST);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.body).toEqual(first.body);
    expect(usccsOf(first)).toEqual([yanhu(1), yanhu(2), yanhu(3)]);
  });

  it('never hands one caller what was cached for another: each unit sees only what it may', async () => {
    await ask(t, court, LIST);
    const court2 = await ask(t, court, LIST);
    expect(court2.cached).toBe(true);
    const byPboc = await ask(t, pboc, LIST);
    expect(byPboc.cached).toBe(false);
    expect(usccsOf(byPboc)).toEqual([yanhu(1), yanhu(2)]);
    expect(usccsOf(court2)).toContain(yanhu(3));
  });

  it('two credentials of one unit, with and without PERSONAL_DATA, each get their own answer', async () => {
    const code = yanhu(9);
    const registered = await t.gql(`mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created } }`, {
      input: { uscc: code, name: '示例有限公司', legalRepresentativeIdNumber: '11010519491231002X', contactPhone: '13800138000' },
    });
    expect(registered.errors).toBeUndefined();
    const plain = await t.keyFor('YC-COURT', ['READ'], 'COURT');
    const personal = await t.keyFor('YC-COURT', ['READ', 'PERSONAL_DATA'], 'COURT');
    const query = `query($u: USCC!) { enterprise(uscc: $u) { legalRepresentativeIdNumber contactPhone personalDataMasked } }`;
    await ask(t, plain, query, { u: code });
    const masked = await ask(t, plain, query, { u: code });
    expect(masked.cached).toBe(true);
    expect(masked.body.data.enterprise).toEqual({
      legalRepresentativeIdNumber: '110105********002X',
      contactPhone: '138****8000',
      personalDataMasked: true,
    });
    const full = await ask(t, personal, query, { u: code });
    expect(full.cached).toBe(false);
    expect(full.body.data.enterprise).toEqual({
      legalRepresentativeIdNumber: '11010519491231002X',
      contactPhone: '13800138000',
      personalDataMasked: false,
    });
  });

  it('a commit through GraphQL is seen by the very next query', async () => {
    await ask(t, court, LIST);
    expect((await ask(t, court, LIST)).cached).toBe(true);
    await publish(t, tax, [zombie(yanhu(4))]);
    const after = await ask(t, court, LIST);
    expect(after.cached).toBe(false);
    expect(usccsOf(after)).toContain(yanhu(4));
  });

  it('a commit made outside the hub (straight into PostgreSQL) is seen by the very next query', async () => {
    await ask(t, court, LIST);
    expect((await ask(t, court, LIST)).cached).toBe(true);
    await sql(t.databaseUrl, `update risk_entry set risk_level = 1 where uscc = $1`, [yanhu(1)]);
    const after = await ask(t, court, LIST);
    expect(after.cached).toBe(false);
    expect(after.body.data.riskEntries.edges.find((edge: any) => edge.node.uscc === yanhu(1)).node.riskLevel).toBe('RED');
  });

  it('the same question with other variables is another entry', async () => {
    const query = `query($f: Int) { riskEntries(first: $f) { edges { node { uscc } } } }`;
    await ask(t, court, query, { f: 1 });
    const two = await ask(t, court, query, { f: 2 });
    expect(two.cached).toBe(false);
    expect(two.body.data.riskEntries.edges).toHaveLength(2);
  });

  it('a revoked key is refused at once, even for a question whose answer is cached', async () => {
    const key = await t.keyFor('YC-COURT', ['READ'], 'COURT');
    await ask(t, key, LIST);
    expect((await ask(t, key, LIST)).cached).toBe(true);
    const me = await t.gql(`{ me { credential { id } } }`, {}, key);
    const revoked = await t.gql(`mutation($id: ID!) { revokeCredential(id: $id) { id } }`, { id: me.data.me.credential.id });
    expect(revoked.errors).toBeUndefined();
    const refused = await ask(t, key, LIST);
    expect(refused.cached).toBe(false);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('answers that depend on the clock or on the credential (me, credentials) are never cached', async () => {
    const me = `{ me { roles credential { id status } } }`;
    await ask(t, court, me);
    expect((await ask(t, court, me)).cached).toBe(false);
    const credentials = `{ credentials(unit: "YC-COURT") { id status } }`;
    await ask(t, t.adminKey, credentials);
    expect((await ask(t, t.adminKey, credentials)).cached).toBe(false);
    // A cacheable field next to one that is not: the whole answer is executed.
    const mixed = `{ me { roles } riskEntries(first: 1) { edges { node { uscc } } } }`;
    await ask(t, court, mixed);
    expect((await ask(t, court, mixed)).cached).toBe(false);
  });

  it('answers with errors are not cached', async () => {
    const bad = `{ riskEntries(first: 1, after: "bm90LWEtY3Vyc29y") { edges { node { uscc } } } }`;
    const first = await ask(t, court, bad);
    expect(first.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await ask(t, court, bad)).cached).toBe(false);
  });
});

describe('RESPONSE_CACHE_SIZE=0', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ RESPONSE_CACHE_SIZE: '0' });
  });
  afterAll(() => t?.stop());

  it('turns the cache off: every answer is executed', async () => {
    const query = `{ units(first: 5) { edges { node { code } } } }`;
    await ask(t, t.adminKey, query);
    const again = await ask(t, t.adminKey, query);
    expect(again.cached).toBe(false);
    expect(again.body.data.units.edges.map((edge: any) => edge.node.code)).toEqual(['OFFICE']);
  });
});
