/**
 * Publishing risky-enterprise lists (issue 3) through GraphQL over HTTP: SNAPSHOT and DELTA, entry history,
 * rejected rows under REJECT_ALL and SKIP, idempotency, enterprises created from rows, acting for another unit,
 * and the change log every real change reaches.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { riskEntryChangesSql } from '../../src/modules/risk-lists/risk-entry.sql';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.stop());

const REJECTED = 'rejected { index uscc field message }';
const PUBLICATION = `publication {
  id listType mode period idempotencyKey entryCount added updated withdrawn unchanged publishedAt
  publisher { code } actingUnit { code } ${REJECTED}
}`;
const PUBLISH = `mutation($input: PublishRiskListInput!) {
  publishRiskList(input: $input) { committed replayed added updated withdrawn unchanged ${REJECTED} ${PUBLICATION} }
}`;
const ENTRY = `id listType uscc enterpriseName regionCode riskLevel categories amount effectiveDate remarks details
  classification sharedWithUnits sharedWithKinds status version period firstPublishedAt publishedAt withdrawnAt
  withdrawalReason publisher { code }`;
const ENTRIES = `query($filter: RiskEntryFilter, $first: Int) {
  riskEntries(filter: $filter, first: $first) { totalCount edges { node { ${ENTRY} history(last: 20) { version amount period supersededAt riskLevel } } } }
}`;
const PUBLICATIONS = `query($filter: RiskPublicationFilter) {
  riskPublications(filter: $filter, first: 100) { totalCount edges { node { id idempotencyKey added updated withdrawn unchanged entryCount publisher { code } actingUnit { code } } } }
}`;
const ENTERPRISE = `query($uscc: USCC!) { enterprise(uscc: $uscc) { uscc name regionCode } }`;

/** A valid USCC from its first 17 characters. */
const uscc = (first17: string) => {
  expect(first17).toHaveLength(17);
  return first17 + usccCheckCharacter(first17);
};
/** A valid USCC registered in 盐湖区 (division 140802), numbered `n`. */
const yanhu = (n: number) => uscc(`91140802MA0K${String(n).padStart(5, '0')}`);
/** A valid USCC whose check character is replaced by a wrong one. */
const withWrongCheck = (code: string) => code.slice(0, 17) + (code[17] === '0' ? '1' : '0');

/** A good TAX_ARREARS row. */
const taxRow = (code: string, over: Record<string, unknown> = {}) => ({
  uscc: code,
  enterpriseName: `欠税企业${code.slice(-6)}有限公司`,
  riskLevel: 'ORANGE',
  categories: ['FINANCIAL'],
  amount: '12345.60',
  effectiveDate: '2026-03-31',
  details: { taxTypes: ['增值税', '企业所得税'] },
  ...over,
});
/** A good LICENSE_REVOKED row. */
const revokedRow = (code: string, over: Record<string, unknown> = {}) => ({
  uscc: code,
  enterpriseName: `吊销企业${code.slice(-6)}有限公司`,
  riskLevel: 'RED',
  categories: ['LEGAL'],
  details: { revokedOn: '2026-01-15', decisionNumber: '运市监吊字〔2026〕1号' },
  ...over,
});

const key = () => `k-${randomUUID()}`;

let unitCounter = 0;
/** A fresh member unit of `kind` with PUBLISH and READ: each test owns its lists, so SNAPSHOTs do not meet. */
async function newUnit(kind = 'TAX', roles = ['PUBLISH', 'READ']): Promise<{ code: string; key: string }> {
  const code = `YC-${kind.slice(0, 3)}-${++unitCounter}`;
  return { code, key: await t.keyFor(code, roles, kind) };
}

async function publish(apiKey: string, input: Record<string, unknown>) {
  return t.gql(PUBLISH, { input: { idempotencyKey: key(), ...input } }, apiKey);
}

/** Publishes and fails the test on any GraphQL error. */
async function published(apiKey: string, input: Record<string, unknown>): Promise<any> {
  const result = await publish(apiKey, input);
  expect(result.errors).toBeUndefined();
  return result.data.publishRiskList;
}

/** Every entry of `publisher` (status ALL), by USCC, as the office sees them. */
async function entriesOf(publisher: string, listType?: string): Promise<Map<string, any>> {
  const result = await t.gql(ENTRIES, {
    filter: { publishers: [publisher], status: 'ALL', ...(listType ? { listTypes: [listType] } : {}) },
    first: 500,
  });
  expect(result.errors).toBeUndefined();
  const map = new Map<string, any>();
  for (const edge of result.data.riskEntries.edges) {
    expect(map.has(`${edge.node.listType}:${edge.node.uscc}:${edge.node.status}:${edge.node.id}`)).toBe(false);
    map.set(edge.node.status === 'ACTIVE' ? edge.node.uscc : `${edge.node.uscc}:${edge.node.id}`, edge.node);
  }
  return map;
}

/** The row counts of every table a publication writes, and a digest of every entry's content. */
async function fingerprint() {
  const [row] = await sql<Record<string, string>>(
    t.databaseUrl,
    `select (select count(*) from risk_entry) as risk_entry, (select count(*) from risk_publication) as risk_publication,
       (select count(*) from enterprise) as enterprise, (select count(*) from change_event) as change_event,
       (select count(*) from change_commit) as change_commit, (select count(*) from audit_record) as audit_record,
       (select count(*) from risk_entry_version) as risk_entry_version,
       (select md5(coalesce(string_agg(e::text, '|' order by e.id), '')) from risk_entry e) as entries,
       (select md5(coalesce(string_agg(en.uscc || en.name, '|' order by en.uscc), '')) from enterprise en) as enterprises`,
  );
  return row;
}

async function countChangeEvents(): Promise<number> {
  const [row] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from change_event');
  return Number(row.n);
}

/** change_event rows of these entries, joined to their commit. */
async function changesOf(entityIds: string[]) {
  return sql<{ entity_id: string; topic: string; kind: string; seq: string; tx_id: string }>(
    t.databaseUrl,
    `select e.entity_id, e.topic, e.kind, c.seq, e.tx_id from change_event e join change_commit c on c.tx_id = e.tx_id
     where e.entity_id = any($1::text[]) order by c.seq, e.ordinal`,
    [entityIds],
  );
}

const codeOf = (result: { errors?: { extensions?: Record<string, any> }[] }) => result.errors?.[0]?.extensions?.code;

describe('SNAPSHOT and DELTA', () => {
  let unit: { code: string; key: string };
  const codes = [yanhu(101), yanhu(102), yanhu(103)];
  const rows = () => codes.map((code) => taxRow(code));
  let firstPublishedAt: string;

  beforeAll(async () => {
    unit = await newUnit('TAX');
  });

  it('a SNAPSHOT adds every entry (version 1, amounts canonical) and records the publication', async () => {
    const before = await fingerprint();
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q1',
      entries: [taxRow(codes[0], { amount: '12345.6' }), taxRow(codes[1]), taxRow(codes[2])],
    });
    expect(answer).toMatchObject({ committed: true, replayed: false, added: 3, updated: 0, withdrawn: 0, unchanged: 0, rejected: [] });
    expect(answer.publication).toMatchObject({
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q1',
      entryCount: 3,
      added: 3,
      publisher: { code: unit.code },
      actingUnit: { code: unit.code },
      rejected: [],
    });
    const entries = await entriesOf(unit.code);
    expect([...entries.keys()].sort()).toEqual([...codes].sort());
    for (const code of codes) {
      expect(entries.get(code)).toMatchObject({
        status: 'ACTIVE',
        version: 1,
        amount: '12345.60',
        riskLevel: 'ORANGE',
        categories: ['FINANCIAL'],
        effectiveDate: '2026-03-31',
        period: '2026-Q1',
        classification: 'SHARED',
        regionCode: '140802',
        details: { taxTypes: ['增值税', '企业所得税'] },
        publisher: { code: unit.code },
        withdrawnAt: null,
      });
      expect(entries.get(code).history).toHaveLength(1);
    }
    firstPublishedAt = entries.get(codes[0]).firstPublishedAt;
    const after = await fingerprint();
    expect(Number(after.risk_entry) - Number(before.risk_entry)).toBe(3);
    expect(Number(after.risk_publication) - Number(before.risk_publication)).toBe(1);
    expect(Number(after.change_event) - Number(before.change_event)).toBe(3);
  });

  it('republishing the same list: all unchanged, no change-log rows, but a new publication is recorded', async () => {
    const before = await fingerprint();
    const publicationKey = key();
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q1',
      idempotencyKey: publicationKey,
      entries: rows(),
    });
    expect(answer).toMatchObject({ committed: true, replayed: false, added: 0, updated: 0, withdrawn: 0, unchanged: 3, rejected: [] });
    const after = await fingerprint();
    expect(after.change_event).toBe(before.change_event);
    expect(after.change_commit).toBe(before.change_commit);
    expect(after.entries).toBe(before.entries);
    expect(after.risk_entry_version).toBe(before.risk_entry_version);
    expect(Number(after.risk_publication)).toBe(Number(before.risk_publication) + 1);

    const listed = await t.gql(PUBLICATIONS, { filter: { publisher: unit.code } }, unit.key);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.riskPublications.totalCount).toBe(2);
    // Newest first: the unchanged republication heads the list.
    expect(listed.data.riskPublications.edges[0].node).toMatchObject({ idempotencyKey: publicationKey, unchanged: 3, added: 0, entryCount: 3 });
    expect(listed.data.riskPublications.edges[1].node).toMatchObject({ added: 3 });
  });

  it('a changed amount updates the entry: version 2, history with both amounts, firstPublishedAt kept', async () => {
    const before = await countChangeEvents();
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q2',
      entries: [taxRow(codes[0], { amount: '20000' }), taxRow(codes[1]), taxRow(codes[2])],
    });
    expect(answer).toMatchObject({ committed: true, added: 0, updated: 1, withdrawn: 0, unchanged: 2 });
    const entry = (await entriesOf(unit.code)).get(codes[0]);
    expect(entry).toMatchObject({ version: 2, amount: '20000.00', period: '2026-Q2', firstPublishedAt, status: 'ACTIVE' });
    expect(new Date(entry.publishedAt).getTime()).toBeGreaterThan(new Date(firstPublishedAt).getTime());
    expect(entry.history).toHaveLength(2);
    expect(entry.history[0]).toMatchObject({ version: 1, amount: '12345.60', period: '2026-Q1' });
    expect(entry.history[0].supersededAt).not.toBeNull();
    expect(entry.history[1]).toMatchObject({ version: 2, amount: '20000.00', period: '2026-Q2', supersededAt: null });
    expect(await countChangeEvents()).toBe(before + 1);
    const changes = await changesOf([entry.id]);
    expect(changes.map((c) => c.kind)).toEqual(['CREATED', 'UPDATED']);
  });

  it('the period alone changed: every entry unchanged, nothing reaches the change log', async () => {
    const before = await fingerprint();
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q3',
      entries: [taxRow(codes[0], { amount: '20000.00' }), taxRow(codes[1]), taxRow(codes[2])],
    });
    expect(answer).toMatchObject({ committed: true, added: 0, updated: 0, withdrawn: 0, unchanged: 3 });
    const after = await fingerprint();
    expect(after.change_event).toBe(before.change_event);
    expect(after.risk_entry_version).toBe(before.risk_entry_version);
    expect((await entriesOf(unit.code)).get(codes[0]).version).toBe(2);
  });

  it('the same content spelled otherwise (categories and details keys reordered, amount without trailing zero) is unchanged', async () => {
    const before = await fingerprint();
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q3',
      entries: [
        taxRow(codes[0], { amount: '20000', categories: ['FINANCIAL', 'FINANCIAL'] }),
        taxRow(codes[1], { amount: '12345.6', details: { taxTypes: ['增值税', '企业所得税'] }, remarks: '  ' }),
        taxRow(codes[2], { effectiveDate: '2026-03-31' }),
      ],
    });
    expect(answer).toMatchObject({ committed: true, added: 0, updated: 0, withdrawn: 0, unchanged: 3 });
    expect((await fingerprint()).change_event).toBe(before.change_event);
    // And a real difference inside details is a change.
    const changed = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [taxRow(codes[1], { details: { taxTypes: ['企业所得税', '增值税'] } })],
    });
    expect(changed).toMatchObject({ committed: true, updated: 1, unchanged: 0 });
    const restored = await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(codes[1])] });
    expect(restored).toMatchObject({ committed: true, updated: 1 });
  });

  it('a SNAPSHOT that leaves an enterprise out withdraws its entry with a reason', async () => {
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      period: '2026-Q3',
      entries: [taxRow(codes[0], { amount: '20000.00' }), taxRow(codes[1])],
    });
    expect(answer).toMatchObject({ committed: true, added: 0, updated: 0, withdrawn: 1, unchanged: 2 });
    const entries = await entriesOf(unit.code);
    const gone = [...entries.values()].find((entry) => entry.uscc === codes[2])!;
    expect(gone.status).toBe('WITHDRAWN');
    expect(gone.withdrawalReason).toEqual(expect.any(String));
    expect(gone.withdrawalReason.length).toBeGreaterThan(0);
    expect(gone.withdrawnAt).not.toBeNull();
    expect(entries.get(codes[0]).status).toBe('ACTIVE');
    // The default read shows active entries only.
    const active = await t.gql(ENTRIES, { filter: { publishers: [unit.code] } });
    expect(active.data.riskEntries.edges.map((e: any) => e.node.uscc).sort()).toEqual([codes[0], codes[1]].sort());
    expect((await changesOf([gone.id])).map((c) => c.kind)).toEqual(['CREATED', 'WITHDRAWN']);
  });

  it('a DELTA upserts its entries, withdraws its withdrawals with their reason, and leaves the rest alone', async () => {
    const newcomer = yanhu(104);
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      period: '2026-Q3',
      entries: [taxRow(newcomer), taxRow(codes[0], { riskLevel: 'RED' })],
      withdrawals: [{ uscc: codes[1], reason: '已缴清欠税' }],
    });
    expect(answer).toMatchObject({ committed: true, added: 1, updated: 1, withdrawn: 1, unchanged: 0, rejected: [] });
    expect(answer.publication).toMatchObject({ mode: 'DELTA', entryCount: 2 });
    const entries = await entriesOf(unit.code);
    expect(entries.get(newcomer)).toMatchObject({ status: 'ACTIVE', version: 1 });
    expect(entries.get(codes[0])).toMatchObject({ status: 'ACTIVE', version: 3, riskLevel: 'RED' });
    expect(entries.has(codes[1])).toBe(false);
    const withdrawn = [...entries.values()].find((entry) => entry.uscc === codes[1])!;
    expect(withdrawn).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: '已缴清欠税' });

    // A DELTA leaves out what it does not name: nothing else is withdrawn.
    const second = await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(yanhu(105))] });
    expect(second).toMatchObject({ added: 1, withdrawn: 0 });
    const after = await entriesOf(unit.code);
    expect([newcomer, codes[0], yanhu(105)].every((code) => after.get(code)?.status === 'ACTIVE')).toBe(true);
  });

  it('a DELTA withdrawal of a USCC without an active entry is a rejected row: REJECT_ALL commits nothing', async () => {
    const before = await fingerprint();
    const stranger = yanhu(199);
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [taxRow(yanhu(106))],
      withdrawals: [
        { uscc: yanhu(104), reason: '已缴清' },
        { uscc: stranger, reason: '已缴清' },
      ],
    });
    expect(answer).toMatchObject({ committed: false, replayed: false, publication: null, added: 0, updated: 0, withdrawn: 0, unchanged: 0 });
    expect(answer.rejected).toEqual([{ index: 1, uscc: stranger, field: 'withdrawals.uscc', message: expect.stringContaining(stranger) }]);
    expect(await fingerprint()).toEqual(before);
    expect((await entriesOf(unit.code)).get(yanhu(104))?.status).toBe('ACTIVE');
  });

  it('under SKIP the same DELTA commits the good upsert and withdrawal and lists the refused withdrawal', async () => {
    const stranger = yanhu(199);
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      onInvalidRow: 'SKIP',
      entries: [taxRow(yanhu(106))],
      withdrawals: [
        { uscc: yanhu(104), reason: '已缴清' },
        { uscc: stranger, reason: '已缴清' },
      ],
    });
    expect(answer).toMatchObject({ committed: true, added: 1, withdrawn: 1 });
    expect(answer.rejected).toEqual([{ index: 1, uscc: stranger, field: 'withdrawals.uscc', message: expect.any(String) }]);
    expect(answer.publication.rejected).toEqual(answer.rejected);
    const entries = await entriesOf(unit.code);
    expect(entries.get(yanhu(106))?.status).toBe('ACTIVE');
    expect(entries.has(yanhu(104))).toBe(false);
  });

  it('a USCC both published and withdrawn refuses both rows; a USCC withdrawn twice refuses the second', async () => {
    const both = `${yanhu(107)} is both published and withdrawn in this publication`;
    const before = await fingerprint();
    const refused = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [taxRow(yanhu(107))],
      withdrawals: [{ uscc: yanhu(107), reason: '已缴清' }],
    });
    expect(refused).toMatchObject({ committed: false });
    expect(refused.rejected).toEqual([
      { index: 0, uscc: yanhu(107), field: 'uscc', message: both },
      { index: 0, uscc: yanhu(107), field: 'withdrawals.uscc', message: both },
    ]);
    expect(await fingerprint()).toEqual(before);

    const skipped = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      onInvalidRow: 'SKIP',
      entries: [taxRow(yanhu(107)), taxRow(yanhu(108))],
      withdrawals: [
        { uscc: yanhu(107), reason: '已缴清' },
        { uscc: yanhu(106), reason: '已缴清' },
        { uscc: yanhu(106), reason: '再次' },
      ],
    });
    expect(skipped).toMatchObject({ committed: true, added: 1, withdrawn: 1 });
    expect(skipped.rejected.map((row: any) => [row.index, row.field])).toEqual([
      [0, 'uscc'],
      [0, 'withdrawals.uscc'],
      [2, 'withdrawals.uscc'],
    ]);
    expect(skipped.rejected[2].message).toBe(`${yanhu(106)} is withdrawn twice in this publication`);
    const entries = await entriesOf(unit.code);
    expect(entries.has(yanhu(107))).toBe(false);
    expect(entries.get(yanhu(108))?.status).toBe('ACTIVE');
    expect(entries.has(yanhu(106))).toBe(false);
  });

  it('withdrawals in a SNAPSHOT are BAD_USER_INPUT and nothing is written', async () => {
    const before = await fingerprint();
    const result = await publish(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      entries: [taxRow(yanhu(106))],
      withdrawals: [{ uscc: yanhu(105), reason: '已缴清' }],
    });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'withdrawals' });
    expect(result.data).toBeNull();
    expect(await fingerprint()).toEqual(before);
  });

  it('an empty SNAPSHOT is BAD_USER_INPUT without allowEmpty, and withdraws the whole list with it', async () => {
    const before = await fingerprint();
    const refused = await publish(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [] });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'entries' });
    const refusedFalse = await publish(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [], allowEmpty: false });
    expect(codeOf(refusedFalse)).toBe('BAD_USER_INPUT');
    expect(await fingerprint()).toEqual(before);

    const active = [...(await entriesOf(unit.code)).values()].filter((entry) => entry.status === 'ACTIVE');
    expect(active.length).toBeGreaterThan(1);
    const answer = await published(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [], allowEmpty: true });
    expect(answer).toMatchObject({ committed: true, added: 0, updated: 0, unchanged: 0, withdrawn: active.length });
    expect([...(await entriesOf(unit.code)).values()].filter((entry) => entry.status === 'ACTIVE')).toEqual([]);
  });
});

describe('rejected rows', () => {
  it('REJECT_ALL with bad rows: committed false, every bad row listed, the database exactly as before', async () => {
    const unit = await newUnit('TAX');
    const existing = yanhu(201);
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [taxRow(existing), taxRow(yanhu(202))] });
    const before = await fingerprint();
    const bad = withWrongCheck(yanhu(204));
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      entries: [
        taxRow(existing, { amount: '99999.00' }), // would update
        taxRow(yanhu(203)), // would add a new enterprise
        taxRow(bad),
        taxRow(yanhu(205), { amount: '12,5' }),
      ],
    });
    expect(answer).toMatchObject({ committed: false, replayed: false, publication: null, added: 0, updated: 0, withdrawn: 0, unchanged: 0 });
    expect(answer.rejected).toEqual([
      { index: 2, uscc: bad, field: 'uscc', message: expect.stringContaining('check') },
      { index: 3, uscc: yanhu(205), field: 'amount', message: expect.any(String) },
    ]);
    expect(await fingerprint()).toEqual(before);
    const enterprise = await t.gql(ENTERPRISE, { uscc: yanhu(203) });
    expect(enterprise.data.enterprise).toBeNull();
  });

  it('SKIP commits the good rows and lists the bad ones; a SNAPSHOT keeps the entry of a rejected row', async () => {
    const unit = await newUnit('TAX');
    const [a, b, c] = [yanhu(211), yanhu(212), yanhu(213)];
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [taxRow(a), taxRow(b), taxRow(c)] });
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      onInvalidRow: 'SKIP',
      entries: [taxRow(a, { amount: '1.00' }), taxRow(b, { amount: '-3' }), taxRow(yanhu(214)), taxRow(yanhu(215), { details: {} })],
    });
    expect(answer).toMatchObject({ committed: true, added: 1, updated: 1, withdrawn: 1, unchanged: 0 });
    expect(answer.rejected).toEqual([
      { index: 1, uscc: b, field: 'amount', message: expect.any(String) },
      { index: 3, uscc: yanhu(215), field: 'details.taxTypes', message: expect.stringContaining('taxTypes') },
    ]);
    expect(answer.publication.rejected).toEqual(answer.rejected);
    const entries = await entriesOf(unit.code);
    expect(entries.get(a)).toMatchObject({ status: 'ACTIVE', amount: '1.00' });
    // b's row was rejected: its entry stays as it was, not withdrawn.
    expect(entries.get(b)).toMatchObject({ status: 'ACTIVE', amount: '12345.60', version: 1 });
    // c was truly absent.
    expect(entries.has(c)).toBe(false);
    expect(entries.get(yanhu(214))?.status).toBe('ACTIVE');
    expect(entries.has(yanhu(215))).toBe(false);
  });

  describe('a SKIP SNAPSHOT withdraws only what is truly absent', () => {
    /** A unit whose TAX_ARREARS list holds one active entry for each of `codes`. */
    async function unitListing(codes: string[]) {
      const unit = await newUnit('TAX');
      await published(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: codes.map((code) => taxRow(code)) });
      return unit;
    }

    it('whose only rows have invalid USCCs: committed, nothing withdrawn, every entry still active', async () => {
      const codes = [yanhu(231), yanhu(232), yanhu(233)];
      const unit = await unitListing(codes);
      const before = await entriesOf(unit.code);
      // A typo of a listed enterprise's code, and a code too short to name any.
      const bad = [withWrongCheck(codes[2]), '91140802MA0K0023'];
      const answer = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'SNAPSHOT',
        onInvalidRow: 'SKIP',
        entries: bad.map((code) => taxRow(code)),
      });
      expect(answer).toMatchObject({ committed: true, added: 0, updated: 0, withdrawn: 0, unchanged: 0 });
      expect(answer.rejected.map((row: any) => [row.index, row.uscc, row.field])).toEqual([
        [0, bad[0], 'uscc'],
        [1, bad[1], 'uscc'],
      ]);
      expect(answer.publication).toMatchObject({ entryCount: 2, withdrawn: 0 });
      const after = await entriesOf(unit.code);
      expect(
        [...after.values()]
          .filter((entry) => entry.status === 'ACTIVE')
          .map((entry) => entry.uscc)
          .sort(),
      ).toEqual([...codes].sort());
      expect(after).toEqual(before);
    });

    it('with a row rejected for an invalid USCC: nothing withdrawn, the good rows committed', async () => {
      const [kept, absent, newcomer] = [yanhu(234), yanhu(235), yanhu(236)];
      const unit = await unitListing([kept, absent]);
      const answer = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'SNAPSHOT',
        onInvalidRow: 'SKIP',
        entries: [taxRow(kept), taxRow(newcomer), taxRow(withWrongCheck(yanhu(237)))],
      });
      expect(answer).toMatchObject({ committed: true, added: 1, updated: 0, withdrawn: 0, unchanged: 1 });
      expect(answer.rejected).toEqual([{ index: 2, uscc: withWrongCheck(yanhu(237)), field: 'uscc', message: expect.stringContaining('check') }]);
      const entries = await entriesOf(unit.code);
      expect(entries.get(kept)).toMatchObject({ status: 'ACTIVE', version: 1 });
      expect(entries.get(newcomer)).toMatchObject({ status: 'ACTIVE', version: 1 });
      // Left out, but the invalid row might have meant it: it stays.
      expect(entries.get(absent)).toMatchObject({ status: 'ACTIVE', version: 1 });
      expect(entries.size).toBe(3);
    });

    it('with rows rejected for another field or as duplicates (valid USCCs): those entries stay, the absent are withdrawn', async () => {
      const [updated, refusedAmount, duplicated, absent] = [yanhu(238), yanhu(239), yanhu(240), yanhu(241)];
      const unit = await unitListing([updated, refusedAmount, duplicated, absent]);
      const answer = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'SNAPSHOT',
        onInvalidRow: 'SKIP',
        entries: [
          taxRow(updated, { amount: '2.00' }),
          // Spelled otherwise than the entry's USCC, still the same enterprise.
          taxRow(` ${refusedAmount.toLowerCase()} `, { amount: '-3' }),
          taxRow(duplicated),
          taxRow(duplicated, { amount: '3.00' }),
        ],
      });
      expect(answer).toMatchObject({ committed: true, added: 0, updated: 1, withdrawn: 1, unchanged: 0 });
      expect(answer.rejected.map((row: any) => [row.index, row.uscc, row.field])).toEqual([
        [1, refusedAmount, 'amount'],
        [2, duplicated, 'uscc'],
        [3, duplicated, 'uscc'],
      ]);
      const entries = await entriesOf(unit.code);
      expect(entries.get(updated)).toMatchObject({ status: 'ACTIVE', version: 2, amount: '2.00' });
      expect(entries.get(refusedAmount)).toMatchObject({ status: 'ACTIVE', version: 1, amount: '12345.60' });
      expect(entries.get(duplicated)).toMatchObject({ status: 'ACTIVE', version: 1, amount: '12345.60' });
      expect(entries.has(absent)).toBe(false);
      expect([...entries.values()].find((entry) => entry.uscc === absent)).toMatchObject({ status: 'WITHDRAWN' });
    });
  });

  describe('each per-row refusal is a rejected row naming the field; nothing is written', () => {
    let unit: { code: string; key: string };
    beforeAll(async () => {
      unit = await newUnit('TAX');
    });

    const good = () => taxRow(yanhu(220));
    const cases: [string, string, Record<string, unknown>, string, RegExp | null][] = [
      ['an invalid USCC (check character)', 'TAX_ARREARS', taxRow(withWrongCheck(yanhu(221))), 'uscc', /check/],
      ['an invalid USCC (length)', 'TAX_ARREARS', taxRow('91140802MA0K0022'), 'uscc', /18/],
      ['an amount with a comma "12,5"', 'TAX_ARREARS', taxRow(yanhu(222), { amount: '12,5' }), 'amount', null],
      ['a negative amount "-3"', 'TAX_ARREARS', taxRow(yanhu(222), { amount: '-3' }), 'amount', /negative/],
      ['an amount with three decimals "1.234"', 'TAX_ARREARS', taxRow(yanhu(222), { amount: '1.234' }), 'amount', null],
      ['a missing amount where the list requires one (TAX_ARREARS)', 'TAX_ARREARS', taxRow(yanhu(222), { amount: null }), 'amount', /required/],
      ['an amount where the list has none (LICENSE_REVOKED)', 'LICENSE_REVOKED', revokedRow(yanhu(222), { amount: '100.00' }), 'amount', null],
      ['an impossible effectiveDate "2026-02-30"', 'TAX_ARREARS', taxRow(yanhu(222), { effectiveDate: '2026-02-30' }), 'effectiveDate', null],
      ['details missing a required key', 'TAX_ARREARS', taxRow(yanhu(222), { details: { newArrears: '10.00' } }), 'details.taxTypes', /taxTypes/],
      [
        'details with an unknown key',
        'TAX_ARREARS',
        taxRow(yanhu(222), { details: { taxTypes: ['增值税'], colour: 'red' } }),
        'details.colour',
        /colour/,
      ],
      ['a details value of the wrong type', 'TAX_ARREARS', taxRow(yanhu(222), { details: { taxTypes: '增值税' } }), 'details.taxTypes', /taxTypes/],
      [
        'a details date that does not exist',
        'LICENSE_REVOKED',
        revokedRow(yanhu(222), { details: { revokedOn: '2026-13-01', decisionNumber: 'x' } }),
        'details.revokedOn',
        /revokedOn/,
      ],
    ];

    it.each(cases)('%s', async (_name, listType, row, field, message) => {
      const before = await fingerprint();
      const first = listType === 'LICENSE_REVOKED' ? revokedRow(yanhu(220)) : good();
      const answer = await published(unit.key, { listType, mode: 'DELTA', entries: [first, row] });
      expect(answer).toMatchObject({ committed: false, publication: null, added: 0 });
      expect(answer.rejected).toHaveLength(1);
      expect(answer.rejected[0]).toMatchObject({ index: 1, field });
      expect(answer.rejected[0].uscc).toBe(String(row.uscc).trim());
      if (message) expect(answer.rejected[0].message).toMatch(message);
      expect(await fingerprint()).toEqual(before);
    });

    it('the same USCC twice: every occurrence is rejected', async () => {
      const before = await fingerprint();
      const twice = yanhu(223);
      const answer = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'DELTA',
        entries: [taxRow(twice), good(), taxRow(twice.toLowerCase(), { amount: '5.00' })],
      });
      expect(answer.committed).toBe(false);
      expect(answer.rejected).toEqual([
        { index: 0, uscc: twice, field: 'uscc', message: expect.stringContaining(twice) },
        { index: 2, uscc: twice, field: 'uscc', message: expect.stringContaining(twice) },
      ]);
      expect(await fingerprint()).toEqual(before);

      // Under SKIP neither occurrence is written, the good row is.
      const skipped = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'DELTA',
        onInvalidRow: 'SKIP',
        entries: [taxRow(twice), good(), taxRow(twice)],
      });
      expect(skipped).toMatchObject({ committed: true, added: 1 });
      expect(skipped.rejected.map((row: any) => row.index)).toEqual([0, 2]);
      const entries = await entriesOf(unit.code);
      expect(entries.has(twice)).toBe(false);
      expect(entries.has(yanhu(220))).toBe(true);
    });

    it('the same USCC twice when one occurrence is also bad otherwise: both occurrences are rejected', async () => {
      const twice = yanhu(224);
      const before = await fingerprint();
      const answer = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'DELTA',
        entries: [taxRow(twice), taxRow(yanhu(225)), taxRow(twice, { amount: '-3' })],
      });
      expect(answer.committed).toBe(false);
      expect(answer.rejected.map((row: any) => [row.index, row.uscc])).toEqual([
        [0, twice],
        [2, twice],
      ]);
      expect(answer.rejected[0]).toMatchObject({ field: 'uscc', message: expect.stringContaining('more than once') });
      expect(await fingerprint()).toEqual(before);

      // Under SKIP the occurrence that looked good is not written either: which of the two is right is unknown.
      const skipped = await published(unit.key, {
        listType: 'TAX_ARREARS',
        mode: 'DELTA',
        onInvalidRow: 'SKIP',
        entries: [taxRow(twice), taxRow(yanhu(225)), taxRow(twice, { amount: '-3' })],
      });
      expect(skipped).toMatchObject({ committed: true, added: 1 });
      expect(skipped.rejected.map((row: any) => row.index)).toEqual([0, 2]);
      expect((await entriesOf(unit.code)).has(twice)).toBe(false);
    });
  });
});

describe('idempotency', () => {
  let unit: { code: string; key: string };
  beforeAll(async () => {
    unit = await newUnit('TAX');
  });

  const publicationsWithKey = async (idempotencyKey: string) =>
    Number((await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from risk_publication where idempotency_key = $1', [idempotencyKey]))[0].n);

  it('the same key and payload: the same answer, replayed, and no second publication', async () => {
    const idempotencyKey = key();
    const input = { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey, period: '2026-Q1', entries: [taxRow(yanhu(301)), taxRow(yanhu(302))] };
    const first = await published(unit.key, input);
    expect(first).toMatchObject({ committed: true, replayed: false, added: 2 });
    const before = await fingerprint();

    const again = await published(unit.key, input);
    expect(again).toEqual({ ...first, replayed: true });
    expect(await publicationsWithKey(idempotencyKey)).toBe(1);
    expect(await fingerprint()).toEqual(before);

    // The same payload in another canonical spelling: fields in another order, absent fields sent as null.
    const respelled = await published(unit.key, {
      entries: [
        { ...taxRow(yanhu(301)), remarks: null, classification: null, regionCode: null },
        Object.fromEntries(Object.entries(taxRow(yanhu(302))).reverse()),
      ],
      period: '2026-Q1',
      idempotencyKey,
      withdrawals: null,
      mode: 'DELTA',
      listType: 'TAX_ARREARS',
    });
    expect(respelled).toEqual({ ...first, replayed: true });
    expect(await publicationsWithKey(idempotencyKey)).toBe(1);
  });

  it('the same key with a different payload is CONFLICT and nothing is written', async () => {
    const idempotencyKey = key();
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey, entries: [taxRow(yanhu(303))] });
    const before = await fingerprint();
    const result = await publish(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      idempotencyKey,
      entries: [taxRow(yanhu(303), { amount: '1.00' })],
    });
    expect(codeOf(result)).toBe('CONFLICT');
    expect(result.data).toBeNull();
    expect(await fingerprint()).toEqual(before);
    expect((await entriesOf(unit.code)).get(yanhu(303)).amount).toBe('12345.60');
  });

  it('a key is per unit: another unit may use the same key for its own publication', async () => {
    const other = await newUnit('TAX');
    const idempotencyKey = key();
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey, entries: [taxRow(yanhu(304))] });
    const answer = await published(other.key, { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey, entries: [taxRow(yanhu(305))] });
    expect(answer).toMatchObject({ committed: true, replayed: false, added: 1 });
    expect(answer.publication.publisher.code).toBe(other.code);
  });

  it('a REJECT_ALL attempt that committed nothing does not use up its key', async () => {
    const idempotencyKey = key();
    const refused = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      idempotencyKey,
      entries: [taxRow(yanhu(306)), taxRow(yanhu(307), { amount: 'abc' })],
    });
    expect(refused.committed).toBe(false);
    const fixed = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      idempotencyKey,
      entries: [taxRow(yanhu(306)), taxRow(yanhu(307))],
    });
    expect(fixed).toMatchObject({ committed: true, replayed: false, added: 2 });
    expect(await publicationsWithKey(idempotencyKey)).toBe(1);
  });

  it('a DELTA refused inside its transaction (withdrawal of no active entry) does not use up its key either', async () => {
    const idempotencyKey = key();
    const refused = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      idempotencyKey,
      entries: [taxRow(yanhu(308))],
      withdrawals: [{ uscc: yanhu(398), reason: '无此企业' }],
    });
    expect(refused.committed).toBe(false);
    expect(await publicationsWithKey(idempotencyKey)).toBe(0);
    const fixed = await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey, entries: [taxRow(yanhu(308))] });
    expect(fixed).toMatchObject({ committed: true, replayed: false, added: 1 });
  });

  it('two concurrent calls with one key yield one publication and the same answer', async () => {
    const idempotencyKey = key();
    const input = { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey, entries: [taxRow(yanhu(310)), taxRow(yanhu(311)), taxRow(yanhu(312))] };
    const before = await fingerprint();
    const [a, b] = await Promise.all([publish(unit.key, input), publish(unit.key, input)]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    const [x, y] = [a.data.publishRiskList, b.data.publishRiskList];
    expect(await publicationsWithKey(idempotencyKey)).toBe(1);
    const counts = (answer: any) => ({
      committed: answer.committed,
      added: answer.added,
      updated: answer.updated,
      withdrawn: answer.withdrawn,
      unchanged: answer.unchanged,
      rejected: answer.rejected,
    });
    expect(counts(x)).toEqual(counts(y));
    expect(counts(x)).toMatchObject({ committed: true, added: 3 });
    expect(x.publication.id).toBe(y.publication.id);
    expect([x.replayed, y.replayed].sort()).toEqual([false, true]);
    const after = await fingerprint();
    expect(Number(after.risk_entry) - Number(before.risk_entry)).toBe(3);
    expect(Number(after.change_event) - Number(before.change_event)).toBe(3);
  });
});

describe('concurrent publications of one list', () => {
  it('two calls with different keys adding the same enterprise: both commit, one active entry', async () => {
    const unit = await newUnit('TAX');
    const code = yanhu(320);
    const [a, b] = await Promise.all([
      publish(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(code, { amount: '1.00' })] }),
      publish(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(code, { amount: '2.00' })] }),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    const answers = [a.data.publishRiskList, b.data.publishRiskList];
    expect(answers.map((answer) => [answer.added, answer.updated]).sort()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    const rows = await sql<{ status: string; version: number }>(t.databaseUrl, 'select status, version from risk_entry where uscc = $1', [code]);
    expect(rows).toEqual([{ status: 'ACTIVE', version: 2 }]);
  });
});

describe('enterprises named by rows', () => {
  it('an enterprise unknown to the hub is created from the row (name, region from the row or the USCC)', async () => {
    const unit = await newUnit('TAX');
    const [plain, moved] = [yanhu(401), yanhu(402)];
    expect((await t.gql(ENTERPRISE, { uscc: plain })).data.enterprise).toBeNull();
    await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [
        taxRow(plain, { enterpriseName: '运城新建欠税有限公司' }),
        taxRow(moved, { enterpriseName: '临猗欠税有限公司', regionCode: '140821' }),
      ],
    });
    expect((await t.gql(ENTERPRISE, { uscc: plain })).data.enterprise).toEqual({ uscc: plain, name: '运城新建欠税有限公司', regionCode: '140802' });
    expect((await t.gql(ENTERPRISE, { uscc: moved })).data.enterprise).toEqual({ uscc: moved, name: '临猗欠税有限公司', regionCode: '140821' });
    // Another unit's row without a region takes the region the hub knows, not the USCC's division digits.
    const court = await newUnit('COURT');
    await published(court.key, {
      listType: 'DISHONEST_JUDGMENT_DEBTOR',
      mode: 'DELTA',
      entries: [
        {
          uscc: moved,
          enterpriseName: '临猗欠税有限公司',
          riskLevel: 'RED',
          categories: ['LEGAL'],
          details: { enforcementCaseNumber: '（2024）晋0821执12号', obligation: '支付货款', performance: 'PARTIAL' },
        },
      ],
    });
    expect((await entriesOf(court.code)).get(moved).regionCode).toBe('140821');
  });

  it('a different name is taken only from SHARED rows of MARKET_REGULATION (the office publishing for it counts as it), not from TAX', async () => {
    const tax = await newUnit('TAX');
    const market = await newUnit('MARKET_REGULATION');
    const code = yanhu(403);
    await published(tax.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(code, { enterpriseName: '原名有限公司' })] });
    const nameNow = async () => (await t.gql(ENTERPRISE, { uscc: code })).data.enterprise.name;
    expect(await nameNow()).toBe('原名有限公司');

    await published(tax.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [taxRow(code, { enterpriseName: '税务写的新名有限公司', amount: '1.00' })],
    });
    expect(await nameNow()).toBe('原名有限公司');
    // The entry keeps the name as its publisher gave it.
    expect((await entriesOf(tax.code)).get(code).enterpriseName).toBe('税务写的新名有限公司');

    await published(market.key, {
      listType: 'LICENSE_REVOKED',
      mode: 'DELTA',
      entries: [revokedRow(code, { enterpriseName: '市监登记名有限公司' })],
    });
    expect(await nameNow()).toBe('市监登记名有限公司');

    // The office publishing for TAX is TAX: no rename (issue 10 item 5); for market regulation it is market regulation.
    await published(t.adminKey, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      publisher: tax.code,
      entries: [taxRow(code, { enterpriseName: '办公室更正名有限公司', amount: '2.00' })],
    });
    expect(await nameNow()).toBe('市监登记名有限公司');
    await published(t.adminKey, {
      listType: 'LICENSE_REVOKED',
      mode: 'DELTA',
      publisher: market.code,
      entries: [revokedRow(code, { enterpriseName: '办公室代市监更正名有限公司' })],
    });
    expect(await nameNow()).toBe('办公室代市监更正名有限公司');
  });
});

describe('who may publish', () => {
  it('publisher from a unit that is not the office is FORBIDDEN and nothing is written', async () => {
    const tax = await newUnit('TAX');
    const other = await newUnit('TAX');
    const before = await fingerprint();
    const result = await publish(tax.key, { listType: 'TAX_ARREARS', mode: 'DELTA', publisher: other.code, entries: [taxRow(yanhu(501))] });
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(await fingerprint()).toEqual(before);
  });

  it('the office publishing with publisher: entries owned by that unit, the publication acted by the office', async () => {
    const tax = await newUnit('TAX');
    const code = yanhu(502);
    const answer = await published(t.adminKey, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', publisher: tax.code, entries: [taxRow(code)] });
    expect(answer).toMatchObject({ committed: true, added: 1 });
    expect(answer.publication).toMatchObject({ publisher: { code: tax.code }, actingUnit: { code: 'OFFICE' } });
    const entry = (await entriesOf(tax.code)).get(code);
    expect(entry.publisher.code).toBe(tax.code);
    // It is the unit's own list now: the unit's SNAPSHOT of the same content finds it unchanged.
    const own = await published(tax.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [taxRow(code)] });
    expect(own).toMatchObject({ added: 0, unchanged: 1 });
    // The unit sees the office's correction among its own publications.
    const listed = await t.gql(PUBLICATIONS, {}, tax.key);
    const nodes = listed.data.riskPublications.edges.map((edge: any) => edge.node);
    expect(nodes.find((node: any) => node.id === answer.publication.id)).toMatchObject({
      publisher: { code: tax.code },
      actingUnit: { code: 'OFFICE' },
    });
    const [row] = await sql<{ acting: string }>(
      t.databaseUrl,
      'select u.code as acting from risk_publication p join unit u on u.id = p.acting_unit_id where p.id = $1',
      [answer.publication.id],
    );
    expect(row.acting).toBe('OFFICE');
  });

  it('the office naming an unknown publisher is BAD_USER_INPUT', async () => {
    const result = await publish(t.adminKey, { listType: 'TAX_ARREARS', mode: 'DELTA', publisher: 'YC-NOBODY', entries: [taxRow(yanhu(503))] });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'publisher' });
  });

  it('a credential without PUBLISH is FORBIDDEN', async () => {
    const reader = await newUnit('TAX', ['READ']);
    const before = await fingerprint();
    const result = await publish(reader.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(yanhu(504))] });
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(await fingerprint()).toEqual(before);
  });

  it('an unknown list type is refused with a coded error, as a variable and inline', async () => {
    const tax = await newUnit('TAX');
    const asVariable = await publish(tax.key, { listType: 'NOPE', mode: 'DELTA', entries: [taxRow(yanhu(505))] });
    expect(asVariable.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(asVariable.data).toBeUndefined();
    const inline = await t.gql(
      `mutation { publishRiskList(input: { listType: NOPE, mode: DELTA, idempotencyKey: "x", entries: [] }) { committed } }`,
      {},
      tax.key,
    );
    expect(inline.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badLevel = await publish(tax.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(yanhu(505), { riskLevel: 'PURPLE' })] });
    expect(badLevel.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('sharedWithUnits naming an unknown unit is BAD_USER_INPUT and nothing is written', async () => {
    const tax = await newUnit('TAX');
    const before = await fingerprint();
    const result = await publish(tax.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      classification: 'RESTRICTED',
      sharedWithUnits: ['YC-NOBODY'],
      entries: [taxRow(yanhu(506))],
    });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sharedWithUnits' });
    expect(result.errors?.[0].message).toContain('YC-NOBODY');
    expect(await fingerprint()).toEqual(before);
  });
});

describe('riskPublications', () => {
  const PAGE = `query($first: Int, $after: String, $filter: RiskPublicationFilter) {
    riskPublications(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { id publisher { code } } } pageInfo { hasNextPage endCursor } }
  }`;

  it("a unit sees only its own publications; the office every unit's, filtered by publisher", async () => {
    const a = await newUnit('TAX');
    const b = await newUnit('TAX');
    await published(a.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(yanhu(701))] });
    await published(b.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(yanhu(702))] });
    const own = await t.gql(PAGE, { first: 100 }, a.key);
    expect(own.data.riskPublications.edges.map((edge: any) => edge.node.publisher.code)).toEqual([a.code]);
    const asking = await t.gql(PAGE, { first: 100, filter: { publisher: b.code } }, a.key);
    expect(asking.data.riskPublications.totalCount).toBe(0);
    const office = await t.gql(PAGE, { first: 100, filter: { publisher: b.code } });
    expect(office.data.riskPublications.edges.map((edge: any) => edge.node.publisher.code)).toEqual([b.code]);
  });

  it('pages with cursors over every publication exactly once', async () => {
    const whole = await t.gql(PAGE, { first: 500 });
    const ids = whole.data.riskPublications.edges.map((edge: any) => edge.node.id);
    expect(ids.length).toBeGreaterThan(5);
    const paged: string[] = [];
    let after: string | undefined;
    do {
      const page = await t.gql(PAGE, { first: 4, after });
      expect(page.errors).toBeUndefined();
      paged.push(...page.data.riskPublications.edges.map((edge: any) => edge.node.id));
      after = page.data.riskPublications.pageInfo.hasNextPage ? page.data.riskPublications.pageInfo.endCursor : undefined;
    } while (after);
    expect(paged).toEqual(ids);
  });

  it.each([
    ['not a cursor', () => 'garbage!'],
    ['a forged time', () => Buffer.from(JSON.stringify(['not-a-time', randomUUID()])).toString('base64url')],
    ['a forged id', () => Buffer.from(JSON.stringify(['2026-01-01 00:00:00+00', 'x'])).toString('base64url')],
  ])('a malformed cursor (%s) is BAD_USER_INPUT', async (_name, cursor) => {
    const result = await t.gql(PAGE, { first: 2, after: cursor() });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('the change log', () => {
  it('each added, updated and withdrawn entry has one RISK_ENTRY change in one commit; seqs grow across publications', async () => {
    const unit = await newUnit('TAX');
    const [a, b, c, d] = [yanhu(601), yanhu(602), yanhu(603), yanhu(604)];
    const first = await published(unit.key, { listType: 'TAX_ARREARS', mode: 'SNAPSHOT', entries: [taxRow(a), taxRow(b), taxRow(c)] });
    expect(first.added).toBe(3);
    const ids1 = new Map([...(await entriesOf(unit.code)).values()].map((entry) => [entry.uscc, entry.id]));

    const firstChanges = await changesOf([...ids1.values()]);
    expect(firstChanges).toHaveLength(3);
    expect(new Set(firstChanges.map((change) => change.tx_id)).size).toBe(1);
    expect(firstChanges.every((change) => change.topic === 'RISK_ENTRY' && change.kind === 'CREATED')).toBe(true);
    const [commit1] = await sql<{ n: string; event_count: number }>(
      t.databaseUrl,
      'select count(*) over () as n, event_count from change_commit where tx_id = $1',
      [firstChanges[0].tx_id],
    );
    expect(commit1).toEqual({ n: '1', event_count: 3 });

    // a unchanged, b updated, c withdrawn (left out), d added.
    const second = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'SNAPSHOT',
      entries: [taxRow(a), taxRow(b, { amount: '7.00' }), taxRow(d)],
    });
    expect(second).toMatchObject({ added: 1, updated: 1, withdrawn: 1, unchanged: 1 });
    const all = [...(await entriesOf(unit.code)).values()];
    const idOf = (code: string) => all.find((entry) => entry.uscc === code)!.id;
    const secondChanges = (await changesOf(all.map((entry) => entry.id))).filter((change) => change.seq !== firstChanges[0].seq);
    expect(secondChanges.map((change) => [change.entity_id, change.topic, change.kind]).sort()).toEqual(
      [
        [idOf(b), 'RISK_ENTRY', 'UPDATED'],
        [idOf(c), 'RISK_ENTRY', 'WITHDRAWN'],
        [idOf(d), 'RISK_ENTRY', 'CREATED'],
      ].sort(),
    );
    expect(new Set(secondChanges.map((change) => change.tx_id)).size).toBe(1);
    expect(BigInt(secondChanges[0].seq)).toBeGreaterThan(BigInt(firstChanges[0].seq));
    const commits = await sql<{ event_count: number }>(t.databaseUrl, 'select event_count from change_commit where tx_id = $1', [
      secondChanges[0].tx_id,
    ]);
    expect(commits).toEqual([{ event_count: 3 }]);

    // Every change_event row has exactly one commit.
    const orphans = await sql(
      t.databaseUrl,
      'select e.tx_id from change_event e left join change_commit c on c.tx_id = e.tx_id group by e.tx_id having count(distinct c.seq) <> 1',
    );
    expect(orphans).toEqual([]);

    const third = await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(a, { riskLevel: 'RED' })] });
    expect(third.updated).toBe(1);
    const thirdChanges = (await changesOf([idOf(a)])).filter((change) => change.kind === 'UPDATED');
    expect(thirdChanges).toHaveLength(1);
    expect(BigInt(thirdChanges[0].seq)).toBeGreaterThan(BigInt(secondChanges[0].seq));
  });

  it('the payload carries the entry as it is right after the change', async () => {
    const unit = await newUnit('TAX');
    const code = yanhu(610);
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(code, { amount: '10' })] });
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(code, { amount: '11' })] });
    const id = (await entriesOf(unit.code)).get(code).id;
    const rows = await sql<{ kind: string; payload: any; owner: string }>(
      t.databaseUrl,
      `select e.kind, e.payload, u.code as owner from change_event e join change_commit c on c.tx_id = e.tx_id
       join unit u on u.id = e.owner_unit_id where e.entity_id = $1 order by c.seq`,
      [id],
    );
    expect(rows.map((row) => [row.kind, row.payload.amount, row.payload.version, row.owner])).toEqual([
      ['CREATED', '10.00', 1, unit.code],
      ['UPDATED', '11.00', 2, unit.code],
    ]);
  });
});

describe('the publication record', () => {
  it("is dated by the database's transaction time: publishedAt equals that of the entries it wrote", async () => {
    const unit = await newUnit('TAX');
    const [first, second] = [yanhu(801), yanhu(802)];
    await published(unit.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(first)] });
    const answer = await published(unit.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [taxRow(first, { amount: '1.00' }), taxRow(second)],
    });
    expect(answer).toMatchObject({ committed: true, added: 1, updated: 1 });
    const entries = await entriesOf(unit.code);
    expect(answer.publication.publishedAt).toBe(entries.get(second).publishedAt);
    expect(answer.publication.publishedAt).toBe(entries.get(first).publishedAt);
    // Read back through riskPublications too.
    const listed = await t.gql(
      `query($filter: RiskPublicationFilter) { riskPublications(filter: $filter, first: 1) { edges { node { id publishedAt } } } }`,
      {
        filter: { publisher: unit.code },
      },
    );
    expect(listed.data.riskPublications.edges[0].node).toEqual({ id: answer.publication.id, publishedAt: entries.get(second).publishedAt });
    // Exactly, to the microsecond, in the database.
    const rows = await sql<{ same: boolean }>(
      t.databaseUrl,
      'select p.published_at = e.published_at as same from risk_publication p join risk_entry e on e.publication_id = p.id where p.id = $1',
      [answer.publication.id],
    );
    expect(rows).toEqual([{ same: true }, { same: true }]);
  });

  it('has an audit record counting the enterprises it created and renamed', async () => {
    const tax = await newUnit('TAX');
    const market = await newUnit('MARKET_REGULATION');
    const [known, fresh1, fresh2, fresh3] = [yanhu(811), yanhu(812), yanhu(813), yanhu(814)];
    const auditOf = async (publicationId: string) => {
      const rows = await sql<{ action: string; detail: Record<string, unknown>; same_time: boolean }>(
        t.databaseUrl,
        `select action, detail,
           occurred_at = date_trunc('milliseconds', (select published_at from risk_publication where id::text = $1)) as same_time
         from audit_record where entity_type = 'RiskPublication' and entity_id = $1`,
        [publicationId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].action).toBe('riskList.publish');
      // Dated by the database, like the publication (to the millisecond the audit trail keeps).
      expect(rows[0].same_time).toBe(true);
      return rows[0].detail;
    };

    const byTax = await published(tax.key, { listType: 'TAX_ARREARS', mode: 'DELTA', entries: [taxRow(known, { enterpriseName: '旧名有限公司' })] });
    expect(await auditOf(byTax.publication.id)).toMatchObject({ publisher: tax.code, added: 1, enterprisesCreated: 1, enterprisesRenamed: 0 });

    const byMarket = await published(market.key, {
      listType: 'LICENSE_REVOKED',
      mode: 'DELTA',
      entries: [revokedRow(known, { enterpriseName: '新名有限公司' }), revokedRow(fresh1), revokedRow(fresh2)],
    });
    expect(await auditOf(byMarket.publication.id)).toMatchObject({ publisher: market.code, added: 3, enterprisesCreated: 2, enterprisesRenamed: 1 });

    // TAX does not rename: another name from it counts as no rename.
    const again = await published(tax.key, {
      listType: 'TAX_ARREARS',
      mode: 'DELTA',
      entries: [taxRow(known, { enterpriseName: '税务写的另一名有限公司', amount: '1.00' }), taxRow(fresh3)],
    });
    expect(await auditOf(again.publication.id)).toMatchObject({ added: 1, updated: 1, enterprisesCreated: 1, enterprisesRenamed: 0 });
  });

  it('finds the entries it wrote for the change log through an index on publication_id', async () => {
    const client = new Client({ connectionString: t.databaseUrl });
    await client.connect();
    try {
      // The planner would scan a table this small whole anyway; forbid that to see whether an index serves.
      await client.query('set enable_seqscan = off');
      const { rows } = await client.query(`explain (format json) ${riskEntryChangesSql('r.publication_id = $1')}`, [randomUUID()]);
      expect(JSON.stringify(rows[0])).toContain('"Index Name":"risk_entry_publication_id_index"');
    } finally {
      await client.end();
    }
  });
});
