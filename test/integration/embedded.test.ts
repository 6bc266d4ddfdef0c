/**
 * What differs on the embedded database (PGlite): every pooled connection is one and the same session. Runs on
 * it even when a PostgreSQL server is there, so that CI (which has one) covers the default `npm start` too.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { startTestHub, type TestHub } from '../support/hub';

const yanhu = (n: number) => {
  const first17 = `91140802MA0K${String(n).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
};

const zombie = (code: string) => ({
  uscc: code,
  enterpriseName: `僵尸企业${code.slice(-5)}`,
  riskLevel: 'ORANGE',
  categories: ['MARKET'],
  details: { basis: '连续三年亏损且停产' },
});

const PUBLISH = `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed added } }`;

describe('the embedded database: pooled connections sharing one session', () => {
  let t: TestHub;
  let key: string;

  beforeAll(async () => {
    t = await startTestHub({ DB_POOL_SIZE: '4' }, undefined, { embedded: true });
    key = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
  }, 120_000);
  afterAll(() => t?.stop());

  it('serves concurrent reads and a publication at once, each read on whichever connection is free', async () => {
    const first = await t.gql(
      PUBLISH,
      { input: { listType: 'ZOMBIE', mode: 'DELTA', idempotencyKey: randomUUID(), entries: [1, 2, 3].map((n) => zombie(yanhu(n))) } },
      key,
    );
    expect(first.errors).toBeUndefined();
    const reads = Array.from({ length: 24 }, (_, i) =>
      t.gql(
        [
          `{ me { unit { code } } }`,
          `{ riskEntries(first: 10) { edges { node { uscc enterprise { name } publisher { code } } } } }`,
          `{ enterprises(first: 5) { totalCount } }`,
        ][i % 3],
        {},
        key,
      ),
    );
    const publication = t.gql(
      PUBLISH,
      { input: { listType: 'ZOMBIE', mode: 'DELTA', idempotencyKey: randomUUID(), entries: [4, 5].map((n) => zombie(yanhu(n))) } },
      key,
    );
    const answers = await Promise.all([...reads, publication]);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(answers[1].data.riskEntries.edges.length).toBeGreaterThanOrEqual(3);
    expect(answers[answers.length - 1].data.publishRiskList).toEqual({ committed: true, added: 2 });
  });
});
