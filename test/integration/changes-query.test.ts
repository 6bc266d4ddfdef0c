/**
 * The change feed for systems that poll (issue 5, DESIGN.md invariants 3–5) through GraphQL over HTTP against a
 * real hub: `query changes(after, first, filter)` and `changesHead`. Every change in commit order from the start
 * of the log, paging without loss or duplicate, the kinds and topics each write path produces with their typed
 * fields resolved from the stored entity, visibility per change for five units, every filter, a filtered page that
 * finds nothing still moving its endCursor forward (also past the scan limit), and the refusals.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { START } from '../../src/change-log/cursor';
import { PAGE_SCAN_LIMIT } from '../../src/feed/change.service';
import { CHANGE_FIELDS, pollChanges } from '../support/feed';
import { startTestHub, type GqlResult, type TestHub } from '../support/hub';

/** A valid USCC from its first 17 characters. */
const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
/** A valid USCC whose division digits are `division`, numbered `n`. */
const debtorIn = (division: string, n: number) => uscc(`91${division}MA0K${String(n).padStart(5, '0')}`);
/** 盐湖区 (140802), 运城. */
const yanhu = (n: number) => debtorIn('140802', n);
/** 小店区 (140105), 太原. */
const xiaodian = (n: number) => debtorIn('140105', n);
const reviewNumber = (n: number) => `（2026）晋08破申${n}号`;
const proceedingNumber = (n: number) => `（2026）晋08破${n}号`;

const ENTRY_FIELDS = `id uscc listType enterpriseName regionCode riskLevel categories amount effectiveDate remarks details status
  classification sharedWithUnits sharedWithKinds version period firstPublishedAt publishedAt withdrawnAt withdrawalReason publisher { code }`;
const CASE_FIELDS = `id caseNumber caseNumbers debtorName regionCode procedure stage stageOn appliedOn acceptedOn major sensitive
  classification sharedWithUnits sharedWithKinds riskLevel petitionRisk employeesAffected administrator version registeredAt updatedAt
  court { code } debtor { uscc }`;
const PROGRESS_FIELDS = `id kind occurredOn summary amount claimType assetType riskLevel addressedTo inReplyTo details recordedAt unit { code }`;
/** A change with its typed fields. */
const NODE = `cursor topic kind entityId occurredAt payload actingUnit { code }
  riskEntry { ${ENTRY_FIELDS} } case { ${CASE_FIELDS} } progress { ${PROGRESS_FIELDS} case { id } }`;
const LIGHT = 'cursor topic kind entityId';

const pageQuery = (fields: string) =>
  `query($after: String, $first: Int, $filter: ChangeFilter) {
    changes(after: $after, first: $first, filter: $filter) { edges { cursor node { ${fields} } } pageInfo { hasNextPage endCursor } }
  }`;
const HEAD = `query { changesHead }`;

const PUBLISH = `mutation($input: PublishRiskListInput!) {
  publishRiskList(input: $input) { committed added updated withdrawn unchanged rejected { index uscc field message } }
}`;
const WITHDRAW = `mutation($input: WithdrawRiskEntriesInput!) { withdrawRiskEntries(input: $input) { ${ENTRY_FIELDS} } }`;
const ENTRIES = `query($filter: RiskEntryFilter, $first: Int) { riskEntries(filter: $filter, first: $first) { edges { cursor node { ${ENTRY_FIELDS} } } } }`;
const REGISTER = `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { ${CASE_FIELDS} } }`;
const ADVANCE = `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { ${CASE_FIELDS} } }`;
const UPDATE = `mutation($input: UpdateCaseInput!) { updateCase(input: $input) { ${CASE_FIELDS} } }`;
const ADD_NUMBER = `mutation($input: AddCaseNumberInput!) { addCaseNumber(input: $input) { ${CASE_FIELDS} } }`;
const ADD_PROGRESS = `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { replayed progress { ${PROGRESS_FIELDS} case { id } } } }`;
const CASE_BY_ID = `query($id: ID) { case(id: $id) { ${CASE_FIELDS} } }`;
const ISSUE = `mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key credential { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeCredential(id: $id) { id status revokedAt unit { code } } }`;

const codeOf = (result: GqlResult) => result.errors?.[0]?.extensions?.code;
const extensionsOf = (result: GqlResult) => result.errors?.[0]?.extensions;
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
/** The cursor of the start of the log, sealed with the key of `t`'s database. */
const startOf = (t: TestHub) => t.hub.cursors.encode(START);

function rowFor(listType: string, code: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, Record<string, unknown>> = {
    TAX_ARREARS: { amount: '100.00', categories: ['FINANCIAL'], details: { taxTypes: ['增值税'] } },
    MAJOR_TAX_VIOLATION: { categories: ['LEGAL'], details: { violationType: '虚开增值税专用发票' } },
    ZOMBIE: { categories: ['MARKET'], details: { basis: '连续三年亏损且停产' } },
    LOAN_OVERDUE: { amount: '1000.00', categories: ['FINANCIAL'], details: { lenders: ['运城农商银行'], daysOverdue: 120 } },
  };
  return { uscc: code, enterpriseName: `企业${code.slice(-6)}有限公司`, riskLevel: 'YELLOW', ...base[listType], ...over };
}

async function publishOk(t: TestHub, key: string, input: Record<string, unknown>) {
  const result = await t.gql(PUBLISH, { input: { idempotencyKey: `k-${randomUUID()}`, mode: 'DELTA', ...input } }, key);
  expect(result.errors).toBeUndefined();
  expect(result.data.publishRiskList).toMatchObject({ committed: true, rejected: [] });
  return result.data.publishRiskList;
}

async function registerOk(t: TestHub, key: string, input: Record<string, unknown>) {
  const result = await t.gql(REGISTER, { input: { procedure: 'LIQUIDATION', appliedOn: '2026-02-01', ...input } }, key);
  expect(result.errors).toBeUndefined();
  return result.data.registerCase;
}

async function progressOk(t: TestHub, key: string, input: Record<string, unknown>) {
  const result = await t.gql(ADD_PROGRESS, { input: { kind: 'NOTE', summary: '进展', ...input } }, key);
  expect(result.errors).toBeUndefined();
  expect(result.data.addCaseProgress.replayed).toBe(false);
  return result.data.addCaseProgress.progress;
}

/** The entry of `listType` for `code` as riskEntries answers the office (any status). */
async function entryOf(t: TestHub, listType: string, code: string) {
  const result = await t.gql(ENTRIES, { filter: { uscc: code, listTypes: [listType], status: 'ALL' }, first: 10 });
  expect(result.errors).toBeUndefined();
  expect(result.data.riskEntries.edges).toHaveLength(1);
  return result.data.riskEntries.edges[0].node;
}

async function headOf(t: TestHub, key: string = t.adminKey): Promise<string> {
  const result = await t.gql(HEAD, {}, key);
  expect(result.errors).toBeUndefined();
  expect(typeof result.data.changesHead).toBe('string');
  return result.data.changesHead;
}

interface Connection {
  edges: { cursor: string; node: any }[];
  pageInfo: { hasNextPage: boolean; endCursor: string };
}

/** One page; fails the test on an error. */
async function pageOf(
  t: TestHub,
  key: string,
  variables: { after?: string | null; first?: number | null; filter?: Record<string, unknown> | null },
  fields = LIGHT,
): Promise<Connection> {
  const result = await t.gql(pageQuery(fields), variables, key);
  expect(result.errors).toBeUndefined();
  const connection = result.data.changes as Connection;
  // An edge's cursor is its change's.
  for (const edge of connection.edges) expect(edge.cursor).toBe(edge.node.cursor);
  return connection;
}

/** Every page after `after` until hasNextPage is false. */
async function pollAll(t: TestHub, key: string, after: string | null, filter: Record<string, unknown> | null = null, first = 100, fields = LIGHT) {
  const pages: Connection[] = [];
  let cursor = after;
  for (;;) {
    if (pages.length > 200) throw new Error('more than 200 pages: hasNextPage never became false');
    const page = await pageOf(t, key, { after: cursor, first, filter }, fields);
    pages.push(page);
    if (!page.pageInfo.hasNextPage) {
      cursor = page.pageInfo.endCursor;
      break;
    }
    // A page that says there is more must have moved: a poller would otherwise read the same stretch for ever.
    if (page.pageInfo.endCursor === cursor) throw new Error(`hasNextPage true but endCursor did not move from ${cursor}`);
    cursor = page.pageInfo.endCursor;
  }
  const changes = pages.flatMap((page) => page.edges.map((edge) => edge.node));
  return { changes, endCursor: cursor as string, pages };
}

const triple = (change: { topic: string; kind: string; entityId: string }) => `${change.topic} ${change.kind} ${change.entityId}`;

// ---------------------------------------------------------------------------------------------------------------
describe('the log from its start: every write path, commit order, paging, the head', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  /** Each write's changes as the office polled them right after it, in the order of the writes. */
  const writes: { name: string; changes: any[] }[] = [];
  /** A case that goes through every case write. */
  let kase: any;

  /** Runs a write and returns exactly the changes it added, as the office polls them from the head before it. */
  async function across(name: string, write: () => Promise<unknown>) {
    const before = await headOf(t);
    const answer = await write();
    const polled = await pollAll(t, t.adminKey, before, null, 100, NODE);
    const head = await headOf(t);
    expect(polled.endCursor).toBe(head);
    writes.push({ name, changes: polled.changes });
    return { answer, changes: polled.changes, before, head };
  }

  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(() => t?.stop());

  it('an empty log: changesHead is the start, changes has nothing and ends where it started', async () => {
    expect(await headOf(t)).toBe(startOf(t));
    const page = await pageOf(t, t.adminKey, {}, NODE);
    expect(page).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: startOf(t) } });
    const fromHead = await pageOf(t, t.adminKey, { after: startOf(t), first: 10 });
    expect(fromHead).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: startOf(t) } });
  });

  describe('after writes', () => {
    beforeAll(async () => {
      keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
      keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    });

    it('creating units and keys writes no change', async () => {
      expect(await headOf(t)).toBe(startOf(t));
      expect((await pageOf(t, t.adminKey, {})).edges).toEqual([]);
    });

    it('RISK_ENTRY CREATED: one change per new entry, the entry as it is right after, acted by the publisher', async () => {
      const started = Date.now();
      const { answer, changes, before, head } = await across('created', () =>
        publishOk(t, keys.TAX, {
          listType: 'TAX_ARREARS',
          classification: 'RESTRICTED',
          sharedWithUnits: ['YC-COURT'],
          period: '2026-Q1',
          entries: [
            rowFor('TAX_ARREARS', yanhu(3), { riskLevel: 'RED', remarks: '第三户' }),
            rowFor('TAX_ARREARS', yanhu(1)),
            rowFor('TAX_ARREARS', yanhu(2), { classification: 'SHARED', amount: '2500.5', effectiveDate: '2026-03-01' }),
          ],
        }),
      );
      expect(answer).toMatchObject({ added: 3, updated: 0, withdrawn: 0 });
      expect(before).toBe(startOf(t));
      expect(head).not.toBe(startOf(t));
      const entries = [
        await entryOf(t, 'TAX_ARREARS', yanhu(1)),
        await entryOf(t, 'TAX_ARREARS', yanhu(2)),
        await entryOf(t, 'TAX_ARREARS', yanhu(3)),
      ];
      expect(changes).toHaveLength(3);
      expect(changes.map(triple).sort()).toEqual(entries.map((entry) => `RISK_ENTRY CREATED ${entry.id}`).sort());
      for (const change of changes) {
        const entry = entries.find((candidate) => candidate.id === change.entityId);
        expect(change.riskEntry).toEqual(entry);
        expect(change.actingUnit).toEqual({ code: 'YC-TAX' });
        expect(change.case).toBeNull();
        expect(change.progress).toBeNull();
        expect(change.payload).toMatchObject({ id: entry.id, uscc: entry.uscc, listType: 'TAX_ARREARS', status: 'ACTIVE', version: 1 });
        const occurredAt = Date.parse(change.occurredAt);
        expect(occurredAt).toBeGreaterThan(started - 60_000);
        expect(occurredAt).toBeLessThan(Date.now() + 60_000);
      }
      expect(entries.map((entry) => [entry.classification, entry.riskLevel, entry.sharedWithUnits])).toEqual([
        ['RESTRICTED', 'YELLOW', ['YC-COURT']],
        ['SHARED', 'YELLOW', []],
        ['RESTRICTED', 'RED', ['YC-COURT']],
      ]);
      // The last change's cursor is the head.
      expect(changes.at(-1).cursor).toBe(head);
    });

    it('RISK_ENTRY UPDATED: only the entry whose content changed, at its new version', async () => {
      const { answer, changes } = await across('updated', () =>
        publishOk(t, keys.TAX, {
          listType: 'TAX_ARREARS',
          classification: 'RESTRICTED',
          sharedWithUnits: ['YC-COURT'],
          period: '2026-Q1',
          entries: [
            rowFor('TAX_ARREARS', yanhu(1), { riskLevel: 'ORANGE', amount: '150.00' }),
            rowFor('TAX_ARREARS', yanhu(2), { classification: 'SHARED', amount: '2500.5', effectiveDate: '2026-03-01' }),
          ],
        }),
      );
      expect(answer).toMatchObject({ added: 0, updated: 1, unchanged: 1 });
      const entry = await entryOf(t, 'TAX_ARREARS', yanhu(1));
      expect(entry).toMatchObject({ version: 2, riskLevel: 'ORANGE', amount: '150.00' });
      expect(changes.map(triple)).toEqual([`RISK_ENTRY UPDATED ${entry.id}`]);
      expect(changes[0].riskEntry).toEqual(entry);
      expect(changes[0].actingUnit).toEqual({ code: 'YC-TAX' });
    });

    it('a publication that changes nothing writes no change and leaves the head', async () => {
      const before = await headOf(t);
      const answer = await publishOk(t, keys.TAX, {
        listType: 'TAX_ARREARS',
        classification: 'RESTRICTED',
        sharedWithUnits: ['YC-COURT'],
        period: '2026-Q1',
        entries: [rowFor('TAX_ARREARS', yanhu(1), { riskLevel: 'ORANGE', amount: '150.00' })],
      });
      expect(answer).toMatchObject({ added: 0, updated: 0, withdrawn: 0, unchanged: 1 });
      expect(await headOf(t)).toBe(before);
      expect(await pageOf(t, t.adminKey, { after: before })).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: before } });
    });

    it('RISK_ENTRY WITHDRAWN by withdrawRiskEntries: the entry as the mutation answered it', async () => {
      const target = await entryOf(t, 'TAX_ARREARS', yanhu(2));
      const { answer, changes } = await across('withdrawn', async () => {
        const result = await t.gql(WITHDRAW, { input: { ids: [target.id], reason: '已缴清' } }, keys.TAX);
        expect(result.errors).toBeUndefined();
        return result.data.withdrawRiskEntries;
      });
      const [withdrawn] = answer as any[];
      expect(withdrawn).toMatchObject({ id: target.id, status: 'WITHDRAWN', withdrawalReason: '已缴清' });
      expect(changes.map(triple)).toEqual([`RISK_ENTRY WITHDRAWN ${target.id}`]);
      expect(changes[0].riskEntry).toEqual(withdrawn);
      expect(changes[0].payload).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: '已缴清' });
    });

    it('RISK_ENTRY WITHDRAWN by a SNAPSHOT that leaves an entry out, and by a DELTA withdrawal', async () => {
      const third = await entryOf(t, 'TAX_ARREARS', yanhu(3));
      const snapshot = await across('snapshot', () =>
        publishOk(t, keys.TAX, {
          listType: 'TAX_ARREARS',
          mode: 'SNAPSHOT',
          classification: 'RESTRICTED',
          sharedWithUnits: ['YC-COURT'],
          period: '2026-Q1',
          entries: [rowFor('TAX_ARREARS', yanhu(1), { riskLevel: 'ORANGE', amount: '150.00' })],
        }),
      );
      expect(snapshot.answer).toMatchObject({ withdrawn: 1, unchanged: 1 });
      expect(snapshot.changes.map(triple)).toEqual([`RISK_ENTRY WITHDRAWN ${third.id}`]);
      expect(snapshot.changes[0].riskEntry).toEqual(await entryOf(t, 'TAX_ARREARS', yanhu(3)));
      expect(snapshot.changes[0].riskEntry.status).toBe('WITHDRAWN');

      const first = await entryOf(t, 'TAX_ARREARS', yanhu(1));
      const delta = await across('delta withdrawal', () =>
        publishOk(t, keys.TAX, { listType: 'TAX_ARREARS', entries: [], withdrawals: [{ uscc: yanhu(1), reason: '核销' }] }),
      );
      expect(delta.answer).toMatchObject({ withdrawn: 1 });
      expect(delta.changes.map(triple)).toEqual([`RISK_ENTRY WITHDRAWN ${first.id}`]);
      expect(delta.changes[0].riskEntry).toMatchObject({ id: first.id, status: 'WITHDRAWN', withdrawalReason: '核销', version: 2 });
    });

    it('CASE CREATED: the case as registerCase answered it, acted by the court', async () => {
      const { answer, changes } = await across('case created', () =>
        registerOk(t, keys.COURT, {
          caseNumber: reviewNumber(1),
          debtorUscc: yanhu(10),
          debtorName: '运城某某机械有限公司',
          petitionRisk: 'ORANGE',
          employeesAffected: 120,
          major: true,
        }),
      );
      kase = answer;
      expect(changes.map(triple)).toEqual([`CASE CREATED ${kase.id}`]);
      expect(changes[0].case).toEqual(kase);
      expect(changes[0].actingUnit).toEqual({ code: 'YC-COURT' });
      expect(changes[0].riskEntry).toBeNull();
      expect(changes[0].progress).toBeNull();
      expect(changes[0].payload).toMatchObject({ id: kase.id, version: 1, stage: 'APPLIED', caseNumbers: [reviewNumber(1)] });
    });

    it('CASE STAGE_CHANGED: the case at its new stage', async () => {
      const { answer, changes } = await across('stage changed', async () => {
        const result = await t.gql(
          ADVANCE,
          { input: { caseId: kase.id, toStage: 'ACCEPTED', expectedVersion: 1, on: '2026-04-01', caseNumber: proceedingNumber(1) } },
          keys.COURT,
        );
        expect(result.errors).toBeUndefined();
        return result.data.advanceCaseStage;
      });
      expect(answer).toMatchObject({ stage: 'ACCEPTED', version: 2, caseNumbers: [reviewNumber(1), proceedingNumber(1)] });
      expect(changes.map(triple)).toEqual([`CASE STAGE_CHANGED ${kase.id}`]);
      expect(changes[0].case).toEqual(answer);
      expect(changes[0].actingUnit).toEqual({ code: 'YC-COURT' });
    });

    it('CASE UPDATED: the case as updateCase answered it', async () => {
      const { answer, changes } = await across('updated', async () => {
        const result = await t.gql(UPDATE, { input: { caseId: kase.id, expectedVersion: 2, administrator: '山西某律师事务所' } }, keys.COURT);
        expect(result.errors).toBeUndefined();
        return result.data.updateCase;
      });
      expect(answer).toMatchObject({ administrator: '山西某律师事务所', version: 3 });
      expect(changes.map(triple)).toEqual([`CASE UPDATED ${kase.id}`]);
      expect(changes[0].case).toEqual(answer);
    });

    it('CASE NUMBER_ADDED, by the office: acted by the office', async () => {
      const { answer, changes } = await across('number added', async () => {
        const result = await t.gql(ADD_NUMBER, { input: { caseId: kase.id, caseNumber: reviewNumber(2) } }, t.adminKey);
        expect(result.errors).toBeUndefined();
        return result.data.addCaseNumber;
      });
      expect((answer as any).caseNumbers).toEqual([reviewNumber(1), proceedingNumber(1), reviewNumber(2)]);
      expect(changes.map(triple)).toEqual([`CASE NUMBER_ADDED ${kase.id}`]);
      expect(changes[0].case).toEqual(answer);
      expect(changes[0].actingUnit).toEqual({ code: 'OFFICE' });
      kase = answer;
    });

    it('CASE_PROGRESS PROGRESS_ADDED: the payload holds the progress entry and its case; typed fields resolve from it', async () => {
      const { answer, changes } = await across('progress', () =>
        progressOk(t, keys.TAX, { caseId: kase.id, kind: 'CLAIM_FILED', claimType: 'TAX', amount: '12000.5', summary: '申报税收债权' }),
      );
      const progress = answer as any;
      expect(progress).toMatchObject({ kind: 'CLAIM_FILED', amount: '12000.50', unit: { code: 'YC-TAX' }, case: { id: kase.id } });
      expect(changes.map(triple)).toEqual([`CASE_PROGRESS PROGRESS_ADDED ${progress.id}`]);
      const [change] = changes;
      expect(Object.keys(change.payload).sort()).toEqual(['case', 'progress']);
      expect(change.payload.progress).toMatchObject({ id: progress.id, kind: 'CLAIM_FILED' });
      expect(change.payload.case).toMatchObject({ id: kase.id, version: kase.version });
      expect(change.progress).toEqual(progress);
      // The case right after the change: a progress entry leaves the case as it was.
      const now = await t.gql(CASE_BY_ID, { id: kase.id });
      expect(now.data.case).toEqual(kase);
      expect(change.case).toEqual(kase);
      expect(change.actingUnit).toEqual({ code: 'YC-TAX' });
      expect(change.riskEntry).toBeNull();
    });

    it('CREDENTIAL REVOKED: by the office, seen by the office only', async () => {
      const issued = await t.gql(ISSUE, { input: { unit: 'YC-TAX', roles: ['READ'], label: '旧系统' } });
      expect(issued.errors).toBeUndefined();
      const credentialId = issued.data.issueCredential.credential.id;
      const headBefore = await headOf(t);
      const { answer, changes } = await across('revoked', async () => {
        const result = await t.gql(REVOKE, { id: credentialId });
        expect(result.errors).toBeUndefined();
        return result.data.revokeCredential;
      });
      expect(answer).toMatchObject({ id: credentialId, status: 'REVOKED' });
      expect(changes.map(triple)).toEqual([`CREDENTIAL REVOKED ${credentialId}`]);
      const [change] = changes;
      expect(change.actingUnit).toEqual({ code: 'OFFICE' });
      expect(change.payload).toMatchObject({ id: credentialId, unit: 'YC-TAX', label: '旧系统', revokedAt: (answer as any).revokedAt });
      expect([change.riskEntry, change.case, change.progress]).toEqual([null, null, null]);
      // Neither the credential's unit nor any other sees it.
      for (const key of [keys.TAX, keys.COURT]) {
        expect((await pollAll(t, key, headBefore)).changes).toEqual([]);
      }
      // Revoking it again changes nothing.
      const head = await headOf(t);
      expect((await t.gql(REVOKE, { id: credentialId })).errors).toBeUndefined();
      expect(await headOf(t)).toBe(head);
    });

    it('without after: every change from the start of the log, in commit order, each once', async () => {
      const expected = writes.flatMap((write) => write.changes);
      expect(expected.length).toBe(13);
      const all = await pollAll(t, t.adminKey, null, null, 100, NODE);
      expect(all.pages).toHaveLength(1);
      // Polled again at the end, each change still shows its entity as it was right after that change.
      expect(all.changes).toEqual(expected);
      const firstEntry = await entryOf(t, 'TAX_ARREARS', yanhu(1));
      expect(firstEntry).toMatchObject({ status: 'WITHDRAWN', version: 2 });
      const created = all.changes.find((change) => change.kind === 'CREATED' && change.entityId === firstEntry.id);
      expect(created.riskEntry).toMatchObject({ status: 'ACTIVE', version: 1, riskLevel: 'YELLOW', amount: '100.00', withdrawnAt: null });
      const caseCreated = all.changes.find((change) => change.topic === 'CASE' && change.kind === 'CREATED');
      expect(caseCreated.case).toMatchObject({ version: 1, stage: 'APPLIED', administrator: null, caseNumbers: [reviewNumber(1)] });
      expect(new Set(all.changes.map((change) => change.cursor)).size).toBe(all.changes.length);
      expect(all.endCursor).toBe(await headOf(t));
      // The same through the support poller.
      const support = await pollChanges(t, t.adminKey, null);
      expect(support.changes.map((change: any) => change.cursor)).toEqual(expected.map((change) => change.cursor));
      expect(support.changes[0]).toEqual(
        Object.fromEntries(
          CHANGE_FIELDS.replace(/\{[^}]*\}/g, '')
            .split(/\s+/)
            .filter(Boolean)
            .map((field) => [field, expected[0][field]]),
        ),
      );
    });

    it.each([1, 2, 3, 5, 7, 12, 13, 14])('pages of %i give every change exactly once; the last endCursor is changesHead', async (first) => {
      const expected = writes.flatMap((write) => write.changes).map((change) => change.cursor);
      const { changes, pages, endCursor } = await pollAll(t, t.adminKey, null, null, first);
      expect(changes.map((change) => change.cursor)).toEqual(expected);
      expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / first)));
      pages.forEach((page, i) => {
        const last = i === pages.length - 1;
        expect(page.edges.length).toBe(last ? expected.length - first * i : first);
        expect(page.pageInfo.hasNextPage).toBe(!last);
        expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)!.cursor);
      });
      expect(endCursor).toBe(await headOf(t));
      expect(endCursor).toBe(expected.at(-1));
    });

    it("a page from any change's cursor starts right after it", async () => {
      const all = (await pollAll(t, t.adminKey, null)).changes;
      for (let i = 0; i < all.length; i++) {
        const page = await pageOf(t, t.adminKey, { after: all[i].cursor, first: 3 });
        expect(page.edges.map((edge) => edge.cursor)).toEqual(all.slice(i + 1, i + 4).map((change) => change.cursor));
        expect(page.pageInfo.hasNextPage).toBe(i + 4 < all.length);
      }
    });

    it('kinds and topics filters pick exactly the changes of those kinds and topics', async () => {
      const all = writes.flatMap((write) => write.changes);
      const cursors = (list: any[]) => list.map((change) => change.cursor);
      for (const kind of ['CREATED', 'UPDATED', 'WITHDRAWN', 'STAGE_CHANGED', 'NUMBER_ADDED', 'PROGRESS_ADDED', 'REVOKED']) {
        const polled = await pollAll(t, t.adminKey, null, { kinds: [kind] });
        const expected = all.filter((change) => change.kind === kind);
        expect([kind, cursors(polled.changes)]).toEqual([kind, cursors(expected)]);
        expect(expected.length).toBeGreaterThan(0);
      }
      for (const topic of ['RISK_ENTRY', 'CASE', 'CASE_PROGRESS', 'CREDENTIAL']) {
        const polled = await pollAll(t, t.adminKey, null, { topics: [topic] });
        const expected = all.filter((change) => change.topic === topic);
        expect([topic, cursors(polled.changes)]).toEqual([topic, cursors(expected)]);
        expect(expected.length).toBeGreaterThan(0);
      }
      const counts = Object.fromEntries(
        ['RISK_ENTRY', 'CASE', 'CASE_PROGRESS', 'CREDENTIAL'].map((topic) => [topic, all.filter((change) => change.topic === topic).length]),
      );
      expect(counts).toEqual({ RISK_ENTRY: 7, CASE: 4, CASE_PROGRESS: 1, CREDENTIAL: 1 });
      const both = await pollAll(t, t.adminKey, null, { topics: ['CASE'], kinds: ['UPDATED', 'CREATED'] });
      expect(both.changes.map(triple)).toEqual([`CASE CREATED ${kase.id}`, `CASE UPDATED ${kase.id}`]);
    });

    it('after a write, polling from the previous endCursor returns exactly the new changes; then nothing', async () => {
      const { endCursor: previous } = await pollAll(t, t.adminKey, null);
      const next = await registerOk(t, keys.COURT, { caseNumber: reviewNumber(3), debtorUscc: yanhu(11), debtorName: '运城某某纺织有限公司' });
      const page = await pageOf(t, t.adminKey, { after: previous, first: 100 }, NODE);
      expect(page.edges.map((edge) => triple(edge.node))).toEqual([`CASE CREATED ${next.id}`]);
      expect(page.edges[0].node.case).toEqual(next);
      expect(page.pageInfo).toEqual({ hasNextPage: false, endCursor: page.edges[0].cursor });
      expect(await headOf(t)).toBe(page.pageInfo.endCursor);
      // The court sees it too, from its own previous endCursor (the log it may see ended at the same place).
      const court = await pageOf(t, keys.COURT, { after: previous });
      expect(court.edges.map((edge) => edge.node.entityId)).toEqual([next.id]);
      const again = await pageOf(t, t.adminKey, { after: page.pageInfo.endCursor, first: 100 });
      expect(again).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: page.pageInfo.endCursor } });
      // changesHead is the same for every reader: the position of the last change.
      expect(await headOf(t, keys.TAX)).toBe(page.pageInfo.endCursor);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('visibility per change and filters, with two courts, the tax bureau, the central bank and the office', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  /** entity id → name of the write that made it (one change per write here). */
  const names = new Map<string, string>();
  const ids: Record<string, string> = {};
  /** The names in the order of the writes: the commit order. */
  const ORDER = [
    'arrears', // YC-TAX, TAX_ARREARS, RESTRICTED to YC-COURT, RED, 140802, yanhu(1)
    'violation', // YC-TAX, MAJOR_TAX_VIOLATION, RESTRICTED to the kind PBOC, ORANGE, 140802, yanhu(2)
    'zombie', // YC-TAX, ZOMBIE, SHARED, YELLOW, 140105, xiaodian(3)
    'loan', // YC-PBOC, LOAN_OVERDUE, SHARED, BLUE, 140802, yanhu(4)
    'corrected', // the office for YC-TAX, ZOMBIE, RESTRICTED (nobody), RED, 140802, yanhu(5)
    'sensitiveCase', // YC-COURT, sensitive (RESTRICTED), ORANGE, 140802, debtor yanhu(2)
    'taxCase', // YC-COURT, RESTRICTED to YC-TAX, no level, 140105, debtor xiaodian(6)
    'pbocCase', // YC-COURT, RESTRICTED to the kind PBOC, no level, 140802, debtor yanhu(7)
    'sharedCase', // YC-COURT, SHARED, RED, 140802, debtor yanhu(8)
    'sensitiveProgress', // YC-COURT on sensitiveCase
    'taxProgress', // YC-TAX on taxCase
    'court2Case', // YC-COURT2, sensitive, no level, 140802, debtor yanhu(9)
    'revocation', // the office revokes a key of YC-PBOC
  ];
  const sees: Record<string, string[]> = {
    OFFICE: ORDER,
    COURT: ['arrears', 'zombie', 'loan', 'sensitiveCase', 'taxCase', 'pbocCase', 'sharedCase', 'sensitiveProgress', 'taxProgress'],
    TAX: ['arrears', 'violation', 'zombie', 'loan', 'corrected', 'taxCase', 'sharedCase', 'taxProgress'],
    PBOC: ['violation', 'zombie', 'loan', 'pbocCase', 'sharedCase'],
    COURT2: ['zombie', 'loan', 'sharedCase', 'court2Case'],
  };
  const viewers = Object.keys(sees);
  const inOrder = (list: string[]) => ORDER.filter((name) => list.includes(name));
  const namesOf = (changes: any[]) => changes.map((change) => names.get(change.entityId) ?? `unknown ${triple(change)}`);
  const polled = async (key: string, filter: Record<string, unknown> | null = null, first = 100) =>
    namesOf((await pollAll(t, key, null, filter, first)).changes);

  beforeAll(async () => {
    t = await startTestHub();
    keys.OFFICE = t.adminKey;
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
    keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', '晋0802');
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.PBOC = await t.keyFor('YC-PBOC', ['PUBLISH', 'READ'], 'PBOC');
    keys.PUBLISH_ONLY = await t.keyFor('YC-TAX', ['PUBLISH']);
    keys.SUBSCRIBE_ONLY = await t.keyFor('YC-TAX', ['SUBSCRIBE']);

    const entry = async (name: string, key: string, listType: string, code: string, input: Record<string, unknown>, row: Record<string, unknown>) => {
      await publishOk(t, key, { listType, entries: [rowFor(listType, code, row)], ...input });
      ids[name] = (await entryOf(t, listType, code)).id;
    };
    await entry('arrears', keys.TAX, 'TAX_ARREARS', yanhu(1), { classification: 'RESTRICTED', sharedWithUnits: ['yc-court'] }, { riskLevel: 'RED' });
    await entry(
      'violation',
      keys.TAX,
      'MAJOR_TAX_VIOLATION',
      yanhu(2),
      { classification: 'RESTRICTED', sharedWithKinds: ['PBOC'] },
      { riskLevel: 'ORANGE' },
    );
    await entry('zombie', keys.TAX, 'ZOMBIE', xiaodian(3), {}, { riskLevel: 'YELLOW' });
    await entry('loan', keys.PBOC, 'LOAN_OVERDUE', yanhu(4), {}, { riskLevel: 'BLUE' });
    await entry('corrected', keys.OFFICE, 'ZOMBIE', yanhu(5), { publisher: 'YC-TAX', classification: 'RESTRICTED' }, { riskLevel: 'RED' });

    const register = async (name: string, key: string, input: Record<string, unknown>) => {
      ids[name] = (await registerOk(t, key, input)).id;
    };
    await register('sensitiveCase', keys.COURT, {
      caseNumber: reviewNumber(1),
      debtorUscc: yanhu(2),
      debtorName: '敏感有限公司',
      sensitive: true,
      petitionRisk: 'ORANGE',
    });
    await register('taxCase', keys.COURT, {
      caseNumber: reviewNumber(2),
      debtorUscc: xiaodian(6),
      debtorName: '太原某某有限公司',
      classification: 'RESTRICTED',
      sharedWithUnits: ['YC-TAX'],
    });
    await register('pbocCase', keys.COURT, {
      caseNumber: reviewNumber(3),
      debtorUscc: yanhu(7),
      debtorName: '金融有限公司',
      classification: 'RESTRICTED',
      sharedWithKinds: ['PBOC'],
    });
    await register('sharedCase', keys.COURT, {
      caseNumber: reviewNumber(4),
      debtorUscc: yanhu(8),
      debtorName: '共享有限公司',
      socialStabilityRisk: 'RED',
    });
    ids.sensitiveProgress = (await progressOk(t, keys.COURT, { caseId: ids.sensitiveCase, summary: '协调会' })).id;
    ids.taxProgress = (
      await progressOk(t, keys.TAX, { caseId: ids.taxCase, kind: 'CLAIM_FILED', claimType: 'TAX', amount: '880.00', summary: '申报' })
    ).id;
    await register('court2Case', keys.COURT2, {
      caseNumber: '（2026）晋0802破申1号',
      debtorUscc: yanhu(9),
      debtorName: '盐湖某某有限公司',
      sensitive: true,
    });

    const issued = await t.gql(ISSUE, { input: { unit: 'YC-PBOC', roles: ['READ'] } });
    ids.revocation = issued.data.issueCredential.credential.id;
    expect((await t.gql(REVOKE, { id: ids.revocation })).errors).toBeUndefined();

    for (const [name, id] of Object.entries(ids)) names.set(id, name);
    expect(names.size).toBe(ORDER.length);
  });
  afterAll(() => t?.stop());

  it('the cases carry the classification and level the expectations rely on', async () => {
    const read = async (name: string) => (await t.gql(CASE_BY_ID, { id: ids[name] })).data.case;
    expect(await read('sensitiveCase')).toMatchObject({ classification: 'RESTRICTED', riskLevel: 'ORANGE', regionCode: '140802' });
    expect(await read('taxCase')).toMatchObject({ classification: 'RESTRICTED', sharedWithUnits: ['YC-TAX'], riskLevel: null, regionCode: '140105' });
    expect(await read('pbocCase')).toMatchObject({ classification: 'RESTRICTED', sharedWithKinds: ['PBOC'], riskLevel: null });
    expect(await read('sharedCase')).toMatchObject({ classification: 'SHARED', riskLevel: 'RED' });
    expect(await read('court2Case')).toMatchObject({ classification: 'RESTRICTED', court: { code: 'YC-COURT2' } });
  });

  it('the office receives every change, in the order of the writes', async () => {
    expect(await polled(keys.OFFICE)).toEqual(ORDER);
  });

  it.each(viewers)('%s receives exactly the changes it may read, in commit order', async (viewer) => {
    expect(await polled(keys[viewer])).toEqual(inOrder(sees[viewer]));
    // The same in pages of one: a page that skips what it may not see still gives each visible change once.
    expect(await polled(keys[viewer], null, 1)).toEqual(inOrder(sees[viewer]));
  });

  it.each(viewers)('%s: a change it may not read is not on any page, whatever the cursor', async (viewer) => {
    const all = (await pollAll(t, keys.OFFICE, null)).changes;
    for (let i = 0; i < all.length; i++) {
      const page = await pageOf(t, keys[viewer], { after: all[i].cursor, first: 100 });
      expect(namesOf(page.edges.map((edge) => edge.node))).toEqual(inOrder(sees[viewer]).filter((name) => ORDER.indexOf(name) > i));
    }
  });

  it('the typed fields show the entity the change stored, to those who may read it', async () => {
    const [taxView] = (await pollAll(t, keys.TAX, null, { cases: [ids.taxCase], topics: ['CASE_PROGRESS'] }, 100, NODE)).changes;
    expect(taxView).toMatchObject({ topic: 'CASE_PROGRESS', entityId: ids.taxProgress, actingUnit: { code: 'YC-TAX' } });
    expect(taxView.progress).toMatchObject({
      id: ids.taxProgress,
      kind: 'CLAIM_FILED',
      amount: '880.00',
      unit: { code: 'YC-TAX' },
      case: { id: ids.taxCase },
    });
    expect(taxView.case).toMatchObject({ id: ids.taxCase, classification: 'RESTRICTED', sharedWithUnits: ['YC-TAX'], court: { code: 'YC-COURT' } });
    const [pbocView] = (await pollAll(t, keys.PBOC, null, { enterprises: [yanhu(2)] }, 100, NODE)).changes;
    expect(pbocView.riskEntry).toMatchObject({
      id: ids.violation,
      listType: 'MAJOR_TAX_VIOLATION',
      classification: 'RESTRICTED',
      sharedWithKinds: ['PBOC'],
      publisher: { code: 'YC-TAX' },
    });
    const [corrected] = (await pollAll(t, keys.TAX, null, { actingUnits: ['OFFICE'] }, 100, NODE)).changes;
    expect(corrected).toMatchObject({
      entityId: ids.corrected,
      actingUnit: { code: 'OFFICE' },
      riskEntry: { publisher: { code: 'YC-TAX' }, classification: 'RESTRICTED' },
    });
  });

  // Filters, as the office (which sees everything) unless said otherwise.
  it.each<[string, Record<string, unknown>, string[]]>([
    ['topics CASE', { topics: ['CASE'] }, ['sensitiveCase', 'taxCase', 'pbocCase', 'sharedCase', 'court2Case']],
    ['topics CASE_PROGRESS', { topics: ['CASE_PROGRESS'] }, ['sensitiveProgress', 'taxProgress']],
    ['topics CREDENTIAL', { topics: ['CREDENTIAL'] }, ['revocation']],
    [
      'topics RISK_ENTRY and CREDENTIAL',
      { topics: ['RISK_ENTRY', 'CREDENTIAL'] },
      ['arrears', 'violation', 'zombie', 'loan', 'corrected', 'revocation'],
    ],
    ['kinds CREATED', { kinds: ['CREATED'] }, ORDER.filter((name) => !['sensitiveProgress', 'taxProgress', 'revocation'].includes(name))],
    ['kinds PROGRESS_ADDED and REVOKED', { kinds: ['PROGRESS_ADDED', 'REVOKED'] }, ['sensitiveProgress', 'taxProgress', 'revocation']],
    ['kinds WITHDRAWN (none)', { kinds: ['WITHDRAWN'] }, []],
    ['listTypes ZOMBIE', { listTypes: ['ZOMBIE'] }, ['zombie', 'corrected']],
    ['listTypes TAX_ARREARS and LOAN_OVERDUE', { listTypes: ['TAX_ARREARS', 'LOAN_OVERDUE'] }, ['arrears', 'loan']],
    ['minRiskLevel RED', { minRiskLevel: 'RED' }, ['arrears', 'corrected', 'sharedCase']],
    [
      'minRiskLevel ORANGE (ORANGE or RED)',
      { minRiskLevel: 'ORANGE' },
      ['arrears', 'violation', 'corrected', 'sensitiveCase', 'sharedCase', 'sensitiveProgress'],
    ],
    [
      'minRiskLevel YELLOW',
      { minRiskLevel: 'YELLOW' },
      ['arrears', 'violation', 'zombie', 'corrected', 'sensitiveCase', 'sharedCase', 'sensitiveProgress'],
    ],
    [
      'minRiskLevel BLUE (every change with a level)',
      { minRiskLevel: 'BLUE' },
      ['arrears', 'violation', 'zombie', 'loan', 'corrected', 'sensitiveCase', 'sharedCase', 'sensitiveProgress'],
    ],
    ['regionPrefix 1401', { regionPrefix: '1401' }, ['zombie', 'taxCase', 'taxProgress']],
    ['regionPrefix 140105', { regionPrefix: '140105' }, ['zombie', 'taxCase', 'taxProgress']],
    [
      'regionPrefix 140800 (the city: 1408)',
      { regionPrefix: '140800' },
      ORDER.filter((name) => !['zombie', 'taxCase', 'taxProgress', 'revocation'].includes(name)),
    ],
    ['regionPrefix 14 (the province)', { regionPrefix: '14' }, ORDER.filter((name) => name !== 'revocation')],
    ['regionPrefix 11 (none)', { regionPrefix: '11' }, []],
    ['regionPrefix blank (no criterion)', { regionPrefix: '  ' }, ORDER],
    [
      "enterprises yanhu(2): its entry, its case and the case's progress",
      { enterprises: [yanhu(2)] },
      ['violation', 'sensitiveCase', 'sensitiveProgress'],
    ],
    ['enterprises two', { enterprises: [xiaodian(3), yanhu(8)] }, ['zombie', 'sharedCase']],
    ['enterprises in lower case', { enterprises: [` ${yanhu(2).toLowerCase()} `] }, ['violation', 'sensitiveCase', 'sensitiveProgress']],
    ['enterprises unknown', { enterprises: [yanhu(99)] }, []],
    ['actingUnits YC-TAX', { actingUnits: ['YC-TAX'] }, ['arrears', 'violation', 'zombie', 'taxProgress']],
    ['actingUnits lower case with spaces', { actingUnits: [' yc-tax '] }, ['arrears', 'violation', 'zombie', 'taxProgress']],
    ['actingUnits OFFICE (a correction for YC-TAX, a revocation)', { actingUnits: ['OFFICE'] }, ['corrected', 'revocation']],
    [
      'actingUnits YC-COURT and YC-PBOC',
      { actingUnits: ['YC-COURT', 'YC-PBOC'] },
      ['loan', 'sensitiveCase', 'taxCase', 'pbocCase', 'sharedCase', 'sensitiveProgress'],
    ],
    ['combined: RISK_ENTRY, RED, acted by YC-TAX', { topics: ['RISK_ENTRY'], minRiskLevel: 'RED', actingUnits: ['YC-TAX'] }, ['arrears']],
    ['combined: CASE, 1408, at least ORANGE', { topics: ['CASE'], regionPrefix: '1408', minRiskLevel: 'ORANGE' }, ['sensitiveCase', 'sharedCase']],
    ['combined: ZOMBIE in 1401', { listTypes: ['ZOMBIE'], regionPrefix: '1401' }, ['zombie']],
    ['combined: an enterprise and a topic', { enterprises: [yanhu(2)], topics: ['CASE_PROGRESS'] }, ['sensitiveProgress']],
  ])('filter %s', async (_, filter, expected) => {
    expect(await polled(keys.OFFICE, filter)).toEqual(expected);
    // Paged by one, the same.
    expect(await polled(keys.OFFICE, filter, 1)).toEqual(expected);
  });

  it('filter cases: the changes of those cases and their progress; an id in upper case names the same case', async () => {
    expect(await polled(keys.OFFICE, { cases: [ids.taxCase] })).toEqual(['taxCase', 'taxProgress']);
    expect(await polled(keys.OFFICE, { cases: [ids.taxCase.toUpperCase()] })).toEqual(['taxCase', 'taxProgress']);
    expect(await polled(keys.OFFICE, { cases: [ids.sensitiveCase, ids.court2Case] })).toEqual(['sensitiveCase', 'sensitiveProgress', 'court2Case']);
    // An unknown, well-formed id is no error: nothing matches.
    expect(await polled(keys.OFFICE, { cases: [randomUUID()] })).toEqual([]);
  });

  it('a filter never widens visibility: naming what a unit may not read finds nothing, like an unknown id', async () => {
    expect(await polled(keys.TAX, { cases: [ids.sensitiveCase] })).toEqual([]);
    expect(await polled(keys.TAX, { cases: [ids.sensitiveCase] })).toEqual(await polled(keys.TAX, { cases: [randomUUID()] }));
    expect(await polled(keys.PBOC, { enterprises: [yanhu(1)] })).toEqual([]);
    expect(await polled(keys.PBOC, { enterprises: [yanhu(2)] })).toEqual(['violation']);
    expect(await polled(keys.COURT, { topics: ['CREDENTIAL'] })).toEqual([]);
    expect(await polled(keys.COURT2, { actingUnits: ['YC-COURT'] })).toEqual(['sharedCase']);
    expect(await polled(keys.TAX, { actingUnits: ['YC-COURT'] })).toEqual(['taxCase', 'sharedCase']);
    expect(await polled(keys.TAX, { minRiskLevel: 'RED' })).toEqual(['arrears', 'corrected', 'sharedCase']);
    expect(await polled(keys.PBOC, { listTypes: ['TAX_ARREARS', 'MAJOR_TAX_VIOLATION'] })).toEqual(['violation']);
  });

  it('a filtered page that finds nothing still answers an endCursor past what it read, and hasNextPage false at the end', async () => {
    const head = await headOf(t);
    const all = (await pollAll(t, keys.OFFICE, null)).changes;
    const index = (cursor: string) => all.findIndex((change) => change.cursor === cursor);
    for (const filter of [{ enterprises: [yanhu(99)] }, { kinds: ['WITHDRAWN'] }, { regionPrefix: '11' }]) {
      const page = await pageOf(t, keys.OFFICE, { filter, first: 5 });
      expect(page).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: head } });
      // Nothing after it: the next page does not read the log again.
      expect(await pageOf(t, keys.OFFICE, { after: page.pageInfo.endCursor })).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: head },
      });
    }
    // A filter that matches in the middle: the page after the last match reads on to the end and says so.
    const first = await pageOf(t, keys.OFFICE, { filter: { cases: [ids.taxCase] }, first: 1 });
    expect(namesOf(first.edges.map((edge) => edge.node))).toEqual(['taxCase']);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[0].cursor });
    const second = await pageOf(t, keys.OFFICE, { after: first.pageInfo.endCursor, filter: { cases: [ids.taxCase] }, first: 1 });
    expect(namesOf(second.edges.map((edge) => edge.node))).toEqual(['taxProgress']);
    const third = await pageOf(t, keys.OFFICE, { after: second.pageInfo.endCursor, filter: { cases: [ids.taxCase] }, first: 1 });
    expect(third.edges).toEqual([]);
    expect(third.pageInfo.hasNextPage).toBe(false);
    expect(index(third.pageInfo.endCursor)).toBeGreaterThan(index(second.pageInfo.endCursor));
    expect(third.pageInfo.endCursor).toBe(head);
    // Compare the positions by polling: after third's endCursor comes nothing; after second's, the changes it skipped.
    expect((await pageOf(t, keys.OFFICE, { after: third.pageInfo.endCursor })).edges).toEqual([]);
    expect(namesOf((await pageOf(t, keys.OFFICE, { after: second.pageInfo.endCursor })).edges.map((edge) => edge.node))).toEqual([
      'court2Case',
      'revocation',
    ]);
    // The same for a unit whose last visible change is far from the head.
    const pboc = await pollAll(t, keys.PBOC, null, null, 2);
    expect(namesOf(pboc.changes)).toEqual(inOrder(sees.PBOC));
    expect(pboc.endCursor).toBe(head);
  });

  it('a poller that found nothing moves on: after a new write it gets only the new match, never the stretch it scanned', async () => {
    const filter = { enterprises: [yanhu(20)] };
    const empty = await pageOf(t, keys.TAX, { filter });
    expect(empty).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: await headOf(t) } });
    await publishOk(t, keys.TAX, { listType: 'ZOMBIE', entries: [rowFor('ZOMBIE', yanhu(21))] });
    const skipped = await pageOf(t, keys.TAX, { after: empty.pageInfo.endCursor, filter });
    expect(skipped.edges).toEqual([]);
    expect(skipped.pageInfo.hasNextPage).toBe(false);
    expect(skipped.pageInfo.endCursor).not.toBe(empty.pageInfo.endCursor);
    expect(skipped.pageInfo.endCursor).toBe(await headOf(t));
    // The position moved forward: unfiltered, the page after the old endCursor holds the new change, after the new one nothing.
    const unfiltered = await pageOf(t, keys.TAX, { after: empty.pageInfo.endCursor });
    expect(unfiltered.edges.map((edge) => edge.cursor)).toEqual([skipped.pageInfo.endCursor]);
    expect((await pageOf(t, keys.TAX, { after: skipped.pageInfo.endCursor })).edges).toEqual([]);
    await publishOk(t, keys.TAX, { listType: 'ZOMBIE', entries: [rowFor('ZOMBIE', yanhu(20))] });
    const found = await pageOf(t, keys.TAX, { after: skipped.pageInfo.endCursor, filter });
    expect(found.edges.map((edge) => edge.node.topic + ' ' + edge.node.kind)).toEqual(['RISK_ENTRY CREATED']);
    expect(found.edges[0].node.entityId).toBe((await entryOf(t, 'ZOMBIE', yanhu(20))).id);
  });

  describe('refusals', () => {
    const QUERY = pageQuery(LIGHT);

    it.each<[string, () => string]>([
      ['a random string', () => 'not-a-cursor'],
      ['base64url of other text', () => b64url('hello')],
      ['a cursor of another list (base64url of ["x","y"])', () => b64url('["x","y"]')],
      ['a negative commit number', () => b64url('fyh1:-1:0')],
      ['a leading zero', () => b64url('fyh1:01:1')],
      ['padding added to a good cursor', () => `${t.hub.cursors.encode({ seq: 1, ordinal: 1 })}=`],
      ['a UUID', () => randomUUID()],
    ])('a malformed after (%s) is BAD_USER_INPUT naming after', async (_, after) => {
      const result = await t.gql(QUERY, { after: after(), first: 10 }, keys.OFFICE);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(extensionsOf(result)).toMatchObject({ field: 'after', rule: 'cursor' });
      expect(result.data ?? null).toBeNull();
    });

    it('an empty after is no cursor either (it does not mean the start of the log)', async () => {
      const result = await t.gql(QUERY, { after: '', first: 10 }, keys.OFFICE);
      expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' });
    });

    it('a well-formed cursor beyond the head is BAD_USER_INPUT: a poller holding it would miss everything until the log got there', async () => {
      const head = await t.gql(`{ changesHead }`, {}, keys.OFFICE);
      const beyond = t.hub.cursors.encode({ seq: 1_000_000, ordinal: 1 });
      const result = await t.gql(QUERY, { after: beyond, first: 10 }, keys.OFFICE);
      expect(extensionsOf(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' });
      const atHead = await t.gql(QUERY, { after: head.data.changesHead, first: 10 }, keys.OFFICE);
      expect(atHead.errors).toBeUndefined();
      expect(atHead.data.changes.pageInfo.endCursor).toBe(head.data.changesHead);
    });

    it('the cursor of a riskEntries page is no cursor of the change log', async () => {
      const entries = await t.gql(ENTRIES, { first: 1 });
      const foreign = entries.data.riskEntries.edges[0].cursor;
      const result = await t.gql(QUERY, { after: foreign }, keys.OFFICE);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(extensionsOf(result)).toMatchObject({ field: 'after', rule: 'cursor' });
    });

    it('first 0 or below is BAD_USER_INPUT; above MAX_PAGE_SIZE LIMIT_EXCEEDED; at it, a page', async () => {
      for (const first of [0, -1]) {
        const result = await t.gql(QUERY, { first }, keys.OFFICE);
        expect([first, codeOf(result)]).toEqual([first, 'BAD_USER_INPUT']);
        expect(extensionsOf(result)).toMatchObject({ field: 'first' });
      }
      const tooMany = await t.gql(QUERY, { first: 501 }, keys.OFFICE);
      expect(codeOf(tooMany)).toBe('LIMIT_EXCEEDED');
      expect(extensionsOf(tooMany)).toMatchObject({ limit: 'MAX_PAGE_SIZE', value: 500 });
      const most = await t.gql(QUERY, { first: 500 }, keys.OFFICE);
      expect(most.errors).toBeUndefined();
      expect(most.data.changes.edges.length).toBeGreaterThanOrEqual(ORDER.length);
    });

    it('an unknown or malformed acting unit code is BAD_USER_INPUT naming filter.actingUnits and the code', async () => {
      for (const actingUnits of [['NO-SUCH-UNIT'], ['YC-TAX', 'YC-NOPE'], ['not a code!']]) {
        const result = await t.gql(QUERY, { filter: { actingUnits } }, keys.OFFICE);
        expect([actingUnits, codeOf(result)]).toEqual([actingUnits, 'BAD_USER_INPUT']);
        expect(extensionsOf(result)).toMatchObject({ field: 'filter.actingUnits' });
        expect(result.errors![0].message).toContain(actingUnits.at(-1)!.toUpperCase());
      }
    });

    it('a malformed case id is BAD_USER_INPUT naming filter.cases', async () => {
      for (const cases of [['not-a-uuid'], [ids.taxCase, '12345'], ['']]) {
        const result = await t.gql(QUERY, { filter: { cases } }, keys.OFFICE);
        expect([cases, codeOf(result)]).toEqual([cases, 'BAD_USER_INPUT']);
        expect(extensionsOf(result)).toMatchObject({ field: 'filter.cases' });
      }
    });

    it('a bad regionPrefix is BAD_USER_INPUT naming filter.regionPrefix', async () => {
      for (const regionPrefix of ['1', '140', '14080', '1408021', 'ab', '14-8']) {
        const result = await t.gql(QUERY, { filter: { regionPrefix } }, keys.OFFICE);
        expect([regionPrefix, codeOf(result)]).toEqual([regionPrefix, 'BAD_USER_INPUT']);
        expect(extensionsOf(result)).toMatchObject({ field: 'filter.regionPrefix' });
      }
    });

    it('an invalid USCC among enterprises is BAD_USER_INPUT', async () => {
      const good = yanhu(1);
      const bad = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
      const result = await t.gql(QUERY, { filter: { enterprises: [bad] } }, keys.OFFICE);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
    });

    it('a credential without READ is FORBIDDEN, for changes and changesHead alike', async () => {
      for (const key of [keys.PUBLISH_ONLY, keys.SUBSCRIBE_ONLY]) {
        const page = await t.gql(QUERY, { first: 10 }, key);
        expect(codeOf(page)).toBe('FORBIDDEN');
        expect(page.data ?? null).toBeNull();
        const head = await t.gql(HEAD, {}, key);
        expect(codeOf(head)).toBe('FORBIDDEN');
        expect(head.data ?? null).toBeNull();
      }
    });

    it('no key or an unknown key is UNAUTHENTICATED', async () => {
      for (const key of [null, 'fyh_not-a-real-key-00000000000000000000000000']) {
        const page = await t.gql(QUERY, { first: 10 }, key);
        expect(codeOf(page)).toBe('UNAUTHENTICATED');
        expect(page.data ?? null).toBeNull();
        const head = await t.gql(HEAD, {}, key);
        expect(codeOf(head)).toBe('UNAUTHENTICATED');
      }
    });

    it('a refusal answers no changes', async () => {
      const result = await t.gql(QUERY, { after: startOf(t), filter: { actingUnits: ['NO-SUCH-UNIT'] } }, keys.TAX);
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result.body)).not.toContain(ids.arrears);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe('the scan limit: a page reads at most PAGE_SCAN_LIMIT changes, kept or not', () => {
  let t: TestHub;
  const keys: Record<string, string> = {};
  const BULK = 6_000;
  let all: any[];
  let match: any;

  beforeAll(async () => {
    expect(BULK).toBeGreaterThan(PAGE_SCAN_LIMIT);
    t = await startTestHub();
    keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
    keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ'], 'COURT', '晋08');
    keys.PBOC = await t.keyFor('YC-PBOC', ['READ'], 'PBOC');
    // 6,000 RESTRICTED entries (YC-TAX and the office only) in one publication, then one SHARED case.
    const entries = Array.from({ length: BULK }, (_, i) => ({
      uscc: yanhu(1000 + i),
      enterpriseName: `批量企业${i}有限公司`,
      riskLevel: 'BLUE',
      categories: ['MARKET'],
      details: { basis: '停产' },
    }));
    const published = await publishOk(t, keys.TAX, { listType: 'ZOMBIE', classification: 'RESTRICTED', entries });
    expect(published.added).toBe(BULK);
    match = await registerOk(t, keys.COURT, { caseNumber: reviewNumber(1), debtorUscc: yanhu(1), debtorName: '唯一案件有限公司' });
    all = (await pollAll(t, t.adminKey, null, null, 500, `${LIGHT} riskEntry { uscc }`)).changes;
  }, 180_000);
  afterAll(() => t?.stop());

  it('the office reads the whole log in pages: every entry, then the case', async () => {
    expect(all).toHaveLength(BULK + 1);
    expect(new Set(all.map((change) => change.cursor)).size).toBe(BULK + 1);
    expect(all.slice(0, BULK).every((change) => change.topic === 'RISK_ENTRY' && change.kind === 'CREATED')).toBe(true);
    expect(triple(all[BULK])).toBe(`CASE CREATED ${match.id}`);
    expect(all[BULK].cursor).toBe(await headOf(t));
  });

  it('without first, a page of 50, as every list of the hub', async () => {
    const page = await pageOf(t, t.adminKey, {});
    expect(page.edges.map((edge) => edge.cursor)).toEqual(all.slice(0, 50).map((change) => change.cursor));
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: all[49].cursor });
  });

  it('a filtered page stops at the scan limit with hasNextPage true and its endCursor at the last change it read', async () => {
    const filter = { topics: ['CASE'] };
    const first = await pageOf(t, t.adminKey, { filter, first: 10 });
    expect(first.edges).toEqual([]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    expect(first.pageInfo.endCursor).toBe(all[PAGE_SCAN_LIMIT - 1].cursor);
    // Compare positions by polling: unfiltered, the log after that endCursor is exactly the stretch not yet read.
    const rest = await pollAll(t, t.adminKey, first.pageInfo.endCursor, null, 500);
    expect(rest.changes.map((change) => change.cursor)).toEqual(all.slice(PAGE_SCAN_LIMIT).map((change) => change.cursor));
    // Paging on reaches the match after them.
    const second = await pageOf(t, t.adminKey, { after: first.pageInfo.endCursor, filter, first: 10 }, NODE);
    expect(second.edges.map((edge) => triple(edge.node))).toEqual([`CASE CREATED ${match.id}`]);
    expect(second.edges[0].node.case).toEqual(match);
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: all[BULK].cursor });
    // The support poller, which follows hasNextPage, gets the match and nothing else.
    const polled = await pollChanges(t, t.adminKey, null, filter, 10);
    expect(polled.changes.map((change: any) => change.entityId)).toEqual([match.id]);
    expect(polled.endCursor).toBe(all[BULK].cursor);
  });

  it('a match inside the first stretch is kept, and the page still stops at the scan limit', async () => {
    const filter = { enterprises: [all[10].riskEntry.uscc] };
    const page = await pageOf(t, t.adminKey, { filter, first: 10 });
    expect(page.edges.map((edge) => edge.cursor)).toEqual([all[10].cursor]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: all[PAGE_SCAN_LIMIT - 1].cursor });
  });

  it('a filter that fills its page stops there, before the scan limit', async () => {
    const page = await pageOf(t, t.adminKey, { filter: { listTypes: ['ZOMBIE'] }, first: 3 });
    expect(page.edges.map((edge) => edge.cursor)).toEqual(all.slice(0, 3).map((change) => change.cursor));
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: all[2].cursor });
  });

  it('a unit that may read none of them: empty pages that move forward, then the case', async () => {
    const first = await pageOf(t, keys.PBOC, { first: 50 });
    expect(first.edges).toEqual([]);
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: all[PAGE_SCAN_LIMIT - 1].cursor });
    const second = await pageOf(t, keys.PBOC, { after: first.pageInfo.endCursor, first: 50 });
    expect(second.edges.map((edge) => edge.node.entityId)).toEqual([match.id]);
    expect(second.pageInfo).toEqual({ hasNextPage: false, endCursor: all[BULK].cursor });
    const polled = await pollAll(t, keys.PBOC, null, null, 50);
    expect(polled.pages).toHaveLength(2);
    expect(polled.changes.map((change) => change.entityId)).toEqual([match.id]);
  });

  it('a filter that matches nothing at all: two empty pages, the last at the head with hasNextPage false', async () => {
    const polled = await pollAll(t, t.adminKey, null, { enterprises: [yanhu(99)] }, 10);
    expect(polled.pages.map((page) => [page.edges.length, page.pageInfo.hasNextPage, page.pageInfo.endCursor])).toEqual([
      [0, true, all[PAGE_SCAN_LIMIT - 1].cursor],
      [0, false, all[BULK].cursor],
    ]);
  });
});
