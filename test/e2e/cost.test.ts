/**
 * What one operation may cost (issue 10, item 1), against a real hub over HTTP and WebSocket: the query that once
 * exhausted the heap (a SHARED case with 300 progress entries, nested three times through CaseProgress.case) is
 * refused at once by any key with READ, the hub stays healthy; a PUBLISH key cannot nest it under a write; a list
 * longer than its size is cut with its count beside it; and MAX_RESOLVED_OBJECTS, set low here, ends a query that
 * the estimate lets through, and counts each delivery of a subscription on its own.
 */
process.env.LOG_LEVEL ??= 'silent';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { subscribeChanges } from '../support/feed';
import { startTestHub, type TestHub } from '../support/hub';
import { firstErrorOverWebSocket } from '../support/websocket';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
/** Set low so that a query the estimate allows can pass it (the estimate's own limit stays 20,000). */
const RESOLVED_LIMIT = 250;
const ENTRIES = 300;

let t: TestHub;
let court: string;
let reader: string;
let publisher: string;
let caseId: string;

const overWebSocket = (key: string, query: string, variables?: Record<string, unknown>) => firstErrorOverWebSocket(t, key, query, variables);
const healthz = async () => (await fetch(t.url.replace(/\/graphql$/, '/healthz'))).status;
const progressRows = async () =>
  Number((await sql<{ n: string }>(t.databaseUrl, 'select count(*)::text as n from case_progress where case_id = $1', [caseId]))[0].n);

const ADD_PROGRESS = 'mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }';

beforeAll(async () => {
  t = await startTestHub({ MAX_RESOLVED_OBJECTS: String(RESOLVED_LIMIT), FEED_POLL_MS: '200' });
  court = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
  reader = await t.keyFor('YC-PBOC', ['READ'], 'PBOC');
  publisher = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
  const registered = await t.gql(
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id classification } }`,
    {
      input: {
        caseNumber: '（2026）晋08破申900号',
        debtorUscc: uscc('91140802MA0P00001'),
        debtorName: '运城成本测试有限公司',
        procedure: 'LIQUIDATION',
        appliedOn: '2026-01-01',
      },
    },
    court,
  );
  expect(registered.data.registerCase.classification).toBe('SHARED');
  caseId = registered.data.registerCase.id;
  // 300 entries through the API, ten at a time (each write locks the case row, so they land one after another).
  for (let start = 0; start < ENTRIES; start += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const n = start + i + 1;
        const day = `2026-${String(1 + Math.floor((n - 1) / 28)).padStart(2, '0')}-${String(1 + ((n - 1) % 28)).padStart(2, '0')}`;
        const added = await t.gql(ADD_PROGRESS, { input: { caseId, kind: 'NOTE', summary: `第${n}条`, occurredOn: day } }, publisher);
        if (added.errors) throw new Error(JSON.stringify(added.errors));
      }),
    );
  }
}, 300_000);
afterAll(() => t?.stop());

const ATTACK = (id: string) => `{ case(id: "${id}") { progress { id case { progress { id case { progress { id } } } } } } }`;

describe('the query that exhausted the heap', () => {
  it('is refused at once over HTTP with LIMIT_EXCEEDED naming MAX_QUERY_COST, for a READ-only key; /healthz still answers', async () => {
    const answer = await t.gql(ATTACK(caseId), {}, reader);
    expect(answer.status).toBe(200);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors?.[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_QUERY_COST', value: 20_000 });
    expect(answer.errors?.[0].message).toMatch(/would cost 1020201, at most 20000 is allowed \(MAX_QUERY_COST\)/);
    expect(await healthz()).toBe(200);
  });

  it('is refused over WebSocket the same way; the hub stays healthy', async () => {
    expect(await overWebSocket(reader, ATTACK(caseId))).toMatchObject({
      extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_QUERY_COST', value: 20_000 },
    });
    expect(await healthz()).toBe(200);
    expect((await t.gql('{ me { roles } }', {}, reader)).data.me.roles).toEqual(['READ']);
  });

  it('a PUBLISH key nesting it under a write is refused before anything is written', async () => {
    const before = await progressRows();
    const nested = `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) {
      progress { case { progress { case { progress { case { progress { id } } } } } } } } }`;
    const answer = await t.gql(nested, { input: { caseId, kind: 'NOTE', summary: '不应写入' } }, publisher);
    expect(answer.errors?.[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_QUERY_COST', value: 20_000 });
    expect(answer.data ?? null).toBeNull();
    expect(await progressRows()).toBe(before);
    expect(await overWebSocket(publisher, nested, { input: { caseId, kind: 'NOTE', summary: '不应写入' } })).toMatchObject({
      extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_QUERY_COST' },
    });
    expect(await progressRows()).toBe(before);
  });

  it('a write whose selection uses a variable of its own runs, estimated with that variable', async () => {
    const answer = await t.gql(
      'mutation($input: AddCaseProgressInput!, $n: Int) { addCaseProgress(input: $input) { progress { id case { progressCount progress(last: $n) { summary } } } } }',
      { input: { caseId, kind: 'NOTE', summary: '第301条', occurredOn: '2026-12-31' }, n: 2 },
      publisher,
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data.addCaseProgress.progress.case).toEqual({
      progressCount: ENTRIES + 1,
      progress: [{ summary: '第300条' }, { summary: '第301条' }],
    });
  });
});

describe('a list longer than its size', () => {
  it('is cut: progress without last is its MAX_NESTED_LIST (100) newest entries, oldest first, and progressCount tells', async () => {
    const answer = await t.gql(`{ case(id: "${caseId}") { progressCount progress { summary } } }`, {}, reader);
    expect(answer.errors).toBeUndefined();
    const { progressCount, progress } = answer.data.case;
    expect(progressCount).toBe(ENTRIES + 1);
    expect(progress).toHaveLength(100);
    expect(progress[0].summary).toBe('第202条');
    expect(progress[99].summary).toBe('第301条');
  });
});

describe('MAX_RESOLVED_OBJECTS, set to 250 here', () => {
  // 1 case + 100 entries + 2 × 100 cases = 301 objects: within the estimate (301), past the limit. The limit is passed
  // while the (nullable) cases resolve, so the answer keeps what was resolved before.
  const PAST = (id: string) => `{ case(id: "${id}") { progress { id a: case { id } b: case { id } } } }`;
  const WITHIN = (id: string) => `{ case(id: "${id}") { progress { id unit { code } } } }`;

  it('ends a query that the estimate lets through with LIMIT_EXCEEDED naming MAX_RESOLVED_OBJECTS; /healthz answers', async () => {
    const answer = await t.gql(PAST(caseId), {}, reader);
    expect(answer.errors?.length).toBeGreaterThanOrEqual(1);
    for (const error of answer.errors!) {
      expect(error.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_RESOLVED_OBJECTS', value: RESOLVED_LIMIT });
      expect(error.message).toMatch(/more than 250 objects and list items \(MAX_RESOLVED_OBJECTS\)/);
    }
    // Resolving stopped where the limit was passed: every field refused from there on is null with the error at its
    // own path, as GraphQL answers any field error; nothing else is null. 301 - 250 = 51 fields were refused.
    const progress: { a: { id: string } | null; b: { id: string } | null }[] = answer.data.case.progress;
    expect(progress).toHaveLength(100);
    const refused = progress.flatMap((entry, i) =>
      (['a', 'b'] as const).filter((alias) => entry[alias] === null).map((alias) => JSON.stringify(['case', 'progress', i, alias])),
    );
    expect(refused).toHaveLength(301 - RESOLVED_LIMIT);
    expect(answer.errors!.map((error) => JSON.stringify(error.path)).sort()).toEqual(refused.sort());
    expect(await healthz()).toBe(200);
    // 201 objects: within.
    expect((await t.gql(WITHIN(caseId), {}, reader)).errors).toBeUndefined();
  });

  it('over WebSocket too', async () => {
    expect(await overWebSocket(reader, PAST(caseId))).toMatchObject({
      extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_RESOLVED_OBJECTS', value: RESOLVED_LIMIT },
    });
    expect(await overWebSocket(reader, WITHIN(caseId))).toBeNull();
  });

  it('counts each delivery of a subscription on its own: three deliveries of 102 objects each arrive, one of 300 is refused', async () => {
    const admin = t.adminKey;
    const small = subscribeChanges(
      t,
      admin,
      { filter: { topics: ['CASE_PROGRESS'], cases: [caseId] } },
      'cursor case { progress(last: 50) { id unit { code } } }',
    );
    const large = subscribeChanges(
      t,
      admin,
      { filter: { topics: ['CASE_PROGRESS'], cases: [caseId] } },
      'cursor case { progress { id unit { code } case { id } } }',
    );
    try {
      const deadline = Date.now() + 5_000;
      while (t.hub.feed.size < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      for (const n of [1, 2, 3]) {
        const added = await t.gql(ADD_PROGRESS, { input: { caseId, kind: 'NOTE', summary: `订阅${n}`, occurredOn: '2026-12-31' } }, publisher);
        expect(added.errors).toBeUndefined();
      }
      await small.waitFor(3);
      expect(small.error).toBeNull();
      expect(small.received).toHaveLength(3);
      expect(small.received.every((change) => change.case.progress.length === 50)).toBe(true);
      await large.ended().catch(() => undefined);
      expect(large.error).toMatchObject({ extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_RESOLVED_OBJECTS', value: RESOLVED_LIMIT } });
    } finally {
      await small.stop();
      await large.stop();
    }
    expect(await healthz()).toBe(200);
  });
});
