/**
 * Every history row records the change-log commit it was written in (`change_tx_id`, the transaction's id in the log:
 * change_commit.tx_id), so that a state can later be read as of a cursor: a list entry's earlier versions, a case's
 * stage steps, its numbers and its progress entries carry the transaction of the change events written with them.
 * Migration20261204000700_history_commit backfills the rows written before it from the log.
 */
import { Migration20261204000700_history_commit } from '../../migrations/Migration20261204000700_history_commit';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (n: number) => {
  const first17 = `91140802MA0H${String(n).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
};

const HISTORY_TABLES = ['risk_entry_version', 'case_stage_change', 'case_number', 'case_progress'];

let t: TestHub;
let caseId: string;
let progressId: string;
const run = <T = Record<string, any>>(text: string, params: unknown[] = []) => sql<T>(t.databaseUrl, text, params);

/** The transactions of the committed changes of `entityId`, with their kind and the version their payload carries. */
const changesOf = (entityId: string) =>
  run<{ txId: string; kind: string; version: number | null; seq: string }>(
    `select e.tx_id as "txId", e.kind, (e.payload ->> 'version')::int as version, c.seq::text as seq
     from change_event e join change_commit c on c.tx_id = e.tx_id where e.entity_id = $1 order by c.seq, e.ordinal`,
    [entityId],
  );

beforeAll(async () => {
  t = await startTestHub();
  const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
  const court = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
  const gql = async (query: string, input: Record<string, unknown>, key: string) => {
    const result = await t.gql(query, { input }, key);
    expect(result.errors).toBeUndefined();
    return result.data;
  };
  const PUBLISH = `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed updated } }`;
  const entry = (n: number, amount: string) => ({
    uscc: uscc(n),
    enterpriseName: `盐湖区历史${n}有限公司`,
    riskLevel: 'ORANGE',
    categories: ['FINANCIAL'],
    amount,
    details: { taxTypes: ['增值税'] },
  });
  // Entry 1 changes twice (versions 1 and 2 go to the history), entry 2 never.
  for (const [i, amount] of ['100.00', '200.00', '300.00'].entries()) {
    const published = await gql(
      PUBLISH,
      { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', idempotencyKey: `history-${i}`, entries: [entry(1, amount), entry(2, '50.00')] },
      tax,
    );
    expect(published.publishRiskList).toEqual({ committed: true, updated: i === 0 ? 0 : 1 });
  }
  const registered = await gql(
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
    { caseNumber: '（2026）晋08破申7号', debtorUscc: uscc(3), debtorName: '盐湖区历史3有限公司', procedure: 'LIQUIDATION', appliedOn: '2026-03-01' },
    court,
  );
  caseId = registered.registerCase.id;
  await gql(
    `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { version } }`,
    { caseId, expectedVersion: 1, toStage: 'ACCEPTED', on: '2026-03-20', caseNumber: '（2026）晋08破7号' },
    court,
  );
  await gql(`mutation($input: AddCaseNumberInput!) { addCaseNumber(input: $input) { id } }`, { caseId, caseNumber: '（2026）晋08破终7号' }, court);
  const added = await gql(
    `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`,
    { caseId, kind: 'NOTE', summary: '第一次债权人会议' },
    court,
  );
  progressId = added.addCaseProgress.progress.id;
});
afterAll(() => t?.stop());

describe('history rows record the change-log commit they were written in', () => {
  it("a publication's version rows carry the transaction of the change events it committed", async () => {
    const [{ id }] = await run<{ id: string }>('select id from risk_entry where uscc = $1', [uscc(1)]);
    const versions = await run<{ version: number; txId: string }>(
      'select version, change_tx_id as "txId" from risk_entry_version where entry_id = $1 order by version',
      [id],
    );
    const changes = await changesOf(id);
    expect(changes.map((change) => [change.kind, change.version])).toEqual([
      ['CREATED', 1],
      ['UPDATED', 2],
      ['UPDATED', 3],
    ]);
    // Version 1 was replaced by the second publication, version 2 by the third: each row was written with that one's changes.
    expect(versions).toEqual([
      { version: 1, txId: changes[1].txId },
      { version: 2, txId: changes[2].txId },
    ]);
    expect(changes[1].txId).not.toBe(changes[2].txId);
    // The transaction is the publication's: its change events are all of that commit (entry 2 was unchanged).
    const [commit] = await run<{ events: number }>('select event_count as events from change_commit where tx_id = $1', [versions[1].txId]);
    expect(commit).toEqual({ events: 1 });
  });

  it("a case's stage steps carry the transaction of the registration and of the move; its numbers and progress entries theirs", async () => {
    const changes = await changesOf(caseId);
    expect(changes.map((change) => [change.kind, change.version])).toEqual([
      ['CREATED', 1],
      ['STAGE_CHANGED', 2],
      ['NUMBER_ADDED', 2],
    ]);
    const [registration, move, numbered] = changes.map((change) => change.txId);
    expect(new Set([registration, move, numbered]).size).toBe(3);
    const stages = await run(
      'select version, to_stage as "toStage", change_tx_id as "txId" from case_stage_change where case_id = $1 order by version',
      [caseId],
    );
    expect(stages).toEqual([
      { version: 1, toStage: 'APPLIED', txId: registration },
      { version: 2, toStage: 'ACCEPTED', txId: move },
    ]);
    const numbers = await run('select number, change_tx_id as "txId" from case_number where case_id = $1 order by added_at', [caseId]);
    expect(numbers).toEqual([
      { number: '（2026）晋08破申7号', txId: registration },
      { number: '（2026）晋08破7号', txId: move },
      { number: '（2026）晋08破终7号', txId: numbered },
    ]);
    const [progress] = await changesOf(progressId);
    expect(progress.kind).toBe('PROGRESS_ADDED');
    expect(await run('select change_tx_id as "txId" from case_progress where id = $1', [progressId])).toEqual([{ txId: progress.txId }]);
  });

  it.each(HISTORY_TABLES)('every row of %s names a committed transaction of the log', async (table) => {
    const [row] = await run<{ rows: number; dangling: number }>(
      `select count(*)::int as rows, count(*) filter (where not exists (select 1 from change_commit c where c.tx_id = h.change_tx_id))::int as dangling
       from ${table} h`,
    );
    expect(row.rows).toBeGreaterThan(0);
    expect(row.dangling).toBe(0);
  });
});

describe('Migration20261204000700_history_commit', () => {
  it('backfills the rows written before it from the changes of the log', async () => {
    const recorded = async () =>
      Object.fromEntries(
        await Promise.all(
          HISTORY_TABLES.map(async (table) => [table, await run(`select row_to_json(h)::text as row from ${table} h order by 1`)] as const),
        ),
      );
    const before = await recorded();
    // The database as it was before the migration, with the rows the writers made: no column.
    for (const table of HISTORY_TABLES) await run(`alter table ${table} drop column change_tx_id`);
    const orm = t.hub.db.orm;
    const migration = new Migration20261204000700_history_commit(orm.em.getDriver(), orm.config);
    await migration.up();
    for (const query of migration.getQueries()) await run(String(query));
    expect(await recorded()).toEqual(before);
  });
});
