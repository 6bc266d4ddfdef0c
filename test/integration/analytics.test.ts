/**
 * Aggregates for analysts (issue 6): riskStats and caseStats through GraphQL over HTTP, computed in SQL over what
 * the caller may see, grouped by each dimension, months in the hub's time zone, ANALYZE required, and the
 * analyst's statement timeout as LIMIT_EXCEEDED.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { describeWithServer, itWithServer, sql } from '../support/db';
import { startInstance, startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
/** A valid USCC of an enterprise in `division` (e.g. 140802), numbered `n`. */
const in_ = (division: string, n: number) => uscc(`91${division}MA0U${String(n).padStart(5, '0')}`);

const RISK_STATS = `query($groupBy: [RiskStatsDimension!]!, $filter: RiskEntryFilter) {
  riskStats(groupBy: $groupBy, filter: $filter) { listType riskLevel category publisher publisherKind province prefecture county month entries enterprises amount }
}`;
const CASE_STATS = `query($groupBy: [CaseStatsDimension!]!, $filter: CaseFilter) {
  caseStats(groupBy: $groupBy, filter: $filter) { stage procedure court province prefecture county month riskLevel cases employeesAffected wagesOwed debts assets }
}`;

/** The groups without the dimensions that were not asked for (null). */
const compact = (rows: Record<string, unknown>[]) => rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)));

let t: TestHub;
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestHub();
  keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'ANALYZE'], 'TAX');
  keys.INDUSTRY = await t.keyFor('YC-GXJ', ['PUBLISH', 'READ', 'ANALYZE'], 'INDUSTRY');
  keys.PBOC = await t.keyFor('YC-PBOC', ['READ', 'ANALYZE'], 'PBOC');
  keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ', 'ANALYZE'], 'COURT', '晋08');
  keys.COURT2 = await t.keyFor('YC-COURT2', ['PUBLISH', 'READ'], 'COURT', '晋0802');
  keys.READER = await t.keyFor('YC-READER', ['READ'], 'OTHER');
  const publish = async (key: string, listType: string, entries: Record<string, unknown>[], extra: Record<string, unknown> = {}) => {
    const result = await t.gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed rejected { message } } }`,
      {
        input: { listType, mode: 'DELTA', idempotencyKey: randomUUID(), entries, ...extra },
      },
      key,
    );
    expect(result.data.publishRiskList).toEqual({ committed: true, rejected: [] });
  };
  const tax = (code: string, riskLevel: string, amount: string, categories = ['FINANCIAL']) => ({
    uscc: code,
    enterpriseName: `企业${code.slice(-6)}`,
    riskLevel,
    categories,
    amount,
    details: { taxTypes: ['增值税'] },
  });
  // The tax bureau: three entries in 盐湖区 (140802), one in 临猗县 (140821), one RESTRICTED to the court.
  await publish(keys.TAX, 'TAX_ARREARS', [
    tax(in_('140802', 1), 'RED', '100.50', ['FINANCIAL', 'LEGAL']),
    tax(in_('140802', 2), 'ORANGE', '200.00'),
    tax(in_('140802', 3), 'ORANGE', '300.00'),
    tax(in_('140821', 4), 'BLUE', '400.00'),
  ]);
  await publish(keys.TAX, 'TAX_ARREARS', [tax(in_('140821', 5), 'RED', '5000.00')], { classification: 'RESTRICTED', sharedWithUnits: ['YC-COURT'] });
  // Industry: a zombie list with one enterprise that is also on the tax list.
  await publish(keys.INDUSTRY, 'ZOMBIE', [
    { uscc: in_('140802', 1), enterpriseName: '企业1', riskLevel: 'YELLOW', categories: ['MARKET'], details: { basis: '连续三年亏损' } },
    { uscc: in_('140821', 6), enterpriseName: '企业6', riskLevel: 'YELLOW', categories: ['MARKET'], details: { basis: '停产' } },
  ]);

  // Cases: two of YC-COURT (one sensitive), one of YC-COURT2.
  const register = async (key: string, n: number, input: Record<string, unknown>, courtCode = '晋08') => {
    const result = await t.gql(
      `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
      {
        input: {
          caseNumber: `（2026）${courtCode}破申${n}号`,
          debtorName: `债务人${n}`,
          procedure: 'LIQUIDATION',
          appliedOn: '2026-02-01',
          ...input,
        },
      },
      key,
    );
    expect(result.errors).toBeUndefined();
    return result.data.registerCase.id as string;
  };
  await register(keys.COURT, 1, {
    debtorUscc: in_('140802', 11),
    employeesAffected: 100,
    wagesOwed: '1000.00',
    debts: '50000',
    assets: '20000',
    petitionRisk: 'ORANGE',
  });
  await register(keys.COURT, 2, {
    debtorUscc: in_('140821', 12),
    employeesAffected: 30,
    wagesOwed: '300.00',
    debts: '7000',
    assets: '1000',
    sensitive: true,
    socialStabilityRisk: 'RED',
  });
  await register(keys.COURT2, 3, { debtorUscc: in_('140802', 13), employeesAffected: 5, procedure: 'REORGANIZATION' }, '晋0802');
});
afterAll(() => t?.stop());

describe('riskStats', () => {
  it('by list type and level: entries, distinct enterprises and amounts of what the office sees', async () => {
    const result = await t.gql(RISK_STATS, { groupBy: ['LIST_TYPE', 'RISK_LEVEL'] });
    expect(result.errors).toBeUndefined();
    expect(compact(result.data.riskStats)).toEqual([
      { listType: 'TAX_ARREARS', riskLevel: 'RED', entries: 2, enterprises: 2, amount: '5100.50' },
      { listType: 'TAX_ARREARS', riskLevel: 'ORANGE', entries: 2, enterprises: 2, amount: '500.00' },
      { listType: 'TAX_ARREARS', riskLevel: 'BLUE', entries: 1, enterprises: 1, amount: '400.00' },
      { listType: 'ZOMBIE', riskLevel: 'YELLOW', entries: 2, enterprises: 2, amount: '0.00' },
    ]);
  });

  it('only over what the caller may see: the central bank does not count the entry restricted to the court', async () => {
    const pboc = await t.gql(RISK_STATS, { groupBy: [] }, keys.PBOC);
    expect(pboc.data.riskStats).toEqual([expect.objectContaining({ entries: 6, enterprises: 5, amount: '1000.50' })]);
    const court = await t.gql(RISK_STATS, { groupBy: [] }, keys.COURT);
    expect(court.data.riskStats).toEqual([expect.objectContaining({ entries: 7, enterprises: 6, amount: '6000.50' })]);
  });

  it('by publisher and publisher kind, by category (an entry counts in each of its categories), by region level', async () => {
    const publishers = await t.gql(RISK_STATS, { groupBy: ['PUBLISHER', 'PUBLISHER_KIND'] }, keys.PBOC);
    expect(compact(publishers.data.riskStats)).toEqual([
      { publisher: 'YC-GXJ', publisherKind: 'INDUSTRY', entries: 2, enterprises: 2, amount: '0.00' },
      { publisher: 'YC-TAX', publisherKind: 'TAX', entries: 4, enterprises: 4, amount: '1000.50' },
    ]);
    const categories = await t.gql(RISK_STATS, { groupBy: ['CATEGORY'] }, keys.PBOC);
    expect(compact(categories.data.riskStats)).toEqual([
      { category: 'FINANCIAL', entries: 4, enterprises: 4, amount: '1000.50' },
      { category: 'LEGAL', entries: 1, enterprises: 1, amount: '100.50' },
      { category: 'MARKET', entries: 2, enterprises: 2, amount: '0.00' },
    ]);
    const regions = await t.gql(RISK_STATS, { groupBy: ['PROVINCE', 'PREFECTURE', 'COUNTY'] }, keys.PBOC);
    expect(compact(regions.data.riskStats)).toEqual([
      { province: '140000', prefecture: '140800', county: '140802', entries: 4, enterprises: 3, amount: '600.50' },
      { province: '140000', prefecture: '140800', county: '140821', entries: 2, enterprises: 2, amount: '400.00' },
    ]);
  });

  it('with the filters of riskEntries', async () => {
    const result = await t.gql(RISK_STATS, { groupBy: ['LIST_TYPE'], filter: { minRiskLevel: 'ORANGE', regionPrefix: '140802' } }, keys.PBOC);
    expect(compact(result.data.riskStats)).toEqual([{ listType: 'TAX_ARREARS', entries: 3, enterprises: 3, amount: '600.50' }]);
  });

  itWithServer('months follow the hub time zone (HUB_TIMEZONE), not the server', async () => {
    // 2026-03-31 17:00 UTC is 2026-04-01 01:00 in Shanghai.
    await sql(t.databaseUrl, `update risk_entry set published_at = '2026-03-31T17:00:00Z' where list_type = 'ZOMBIE'`);
    const shanghai = await t.gql(RISK_STATS, { groupBy: ['MONTH'], filter: { listTypes: ['ZOMBIE'] } });
    expect(compact(shanghai.data.riskStats)).toEqual([{ month: '2026-04', entries: 2, enterprises: 2, amount: '0.00' }]);
    const utc = await startInstance(t, { HUB_TIMEZONE: 'UTC' });
    try {
      const inUtc = await utc.gql(RISK_STATS, { groupBy: ['MONTH'], filter: { listTypes: ['ZOMBIE'] } });
      expect(compact(inUtc.data.riskStats)).toEqual([{ month: '2026-03', entries: 2, enterprises: 2, amount: '0.00' }]);
    } finally {
      await utc.stop();
    }
  });
});

describe('caseStats', () => {
  it('by stage and procedure: cases and the sums of the monitoring points, over what the caller may see', async () => {
    const office = await t.gql(CASE_STATS, { groupBy: ['PROCEDURE'] });
    expect(compact(office.data.caseStats)).toEqual([
      { procedure: 'LIQUIDATION', cases: 2, employeesAffected: 130, wagesOwed: '1300.00', debts: '57000.00', assets: '21000.00' },
      { procedure: 'REORGANIZATION', cases: 1, employeesAffected: 5, wagesOwed: '0.00', debts: '0.00', assets: '0.00' },
    ]);
    const pboc = await t.gql(CASE_STATS, { groupBy: ['STAGE'] }, keys.PBOC);
    expect(compact(pboc.data.caseStats)).toEqual([
      { stage: 'APPLIED', cases: 2, employeesAffected: 105, wagesOwed: '1000.00', debts: '50000.00', assets: '20000.00' },
    ]);
  });

  it('by court and county, by risk level, by month of registration', async () => {
    const courts = await t.gql(CASE_STATS, { groupBy: ['COURT', 'COUNTY'] });
    expect(compact(courts.data.caseStats).map(({ court, county, cases }) => ({ court, county, cases }))).toEqual([
      { court: 'YC-COURT', county: '140802', cases: 1 },
      { court: 'YC-COURT', county: '140821', cases: 1 },
      { court: 'YC-COURT2', county: '140802', cases: 1 },
    ]);
    const levels = await t.gql(CASE_STATS, { groupBy: ['RISK_LEVEL'] });
    expect(levels.data.caseStats.map((row: any) => [row.riskLevel, row.cases])).toEqual([
      ['RED', 1],
      ['ORANGE', 1],
      [null, 1],
    ]);
    const [{ month }] = await sql<{ month: string }>(t.databaseUrl, `select to_char(now() at time zone 'Asia/Shanghai', 'YYYY-MM') as month`);
    const months = await t.gql(CASE_STATS, { groupBy: ['MONTH'] });
    expect(compact(months.data.caseStats)).toEqual([expect.objectContaining({ month, cases: 3 })]);
  });

  it('with the filters of cases', async () => {
    const result = await t.gql(CASE_STATS, { groupBy: [], filter: { courts: ['YC-COURT'], minRiskLevel: 'ORANGE' } });
    expect(compact(result.data.caseStats)).toEqual([
      { cases: 2, employeesAffected: 130, wagesOwed: '1300.00', debts: '57000.00', assets: '21000.00' },
    ]);
  });
});

describe('refusals', () => {
  itWithServer('more groups than MAX_PAGE_SIZE: LIMIT_EXCEEDED', async () => {
    const small = await startInstance(t, { MAX_PAGE_SIZE: '3' });
    try {
      const result = await small.gql(RISK_STATS, { groupBy: ['LIST_TYPE', 'RISK_LEVEL'] });
      expect(result.errors?.[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_PAGE_SIZE', value: 3 });
      expect((await small.gql(RISK_STATS, { groupBy: ['LIST_TYPE'] })).errors).toBeUndefined();
    } finally {
      await small.stop();
    }
  });

  it('needs ANALYZE: FORBIDDEN without it', async () => {
    for (const [query, groupBy] of [
      [RISK_STATS, ['LIST_TYPE']],
      [CASE_STATS, ['STAGE']],
    ] as const) {
      const result = await t.gql(query, { groupBy }, keys.READER);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('an unknown dimension is refused by the schema', async () => {
    const result = await t.gql(RISK_STATS, { groupBy: ['COLOUR'] });
    expect(result.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describeWithServer('the analyst statement timeout', () => {
  it('a statement over ANALYST_STATEMENT_TIMEOUT is cancelled: LIMIT_EXCEEDED naming the limit', async () => {
    const slow = await startInstance(t, { ANALYST_STATEMENT_TIMEOUT: '1' });
    try {
      // Enough rows that grouping them takes well over a millisecond (written straight into the tables).
      await sql(
        t.databaseUrl,
        `insert into enterprise (uscc, name, region_code, created_at, updated_at)
        select 'T' || lpad(g::text, 17, '0'), '批量' || g, '140802', now(), now() from generate_series(1, 100000) g`,
      );
      await sql(
        t.databaseUrl,
        `insert into risk_entry (id, publisher_unit_id, list_type, uscc, enterprise_name, region_code, risk_level, categories,
          details, classification, shared_unit_codes, shared_kinds, status, content_hash, version, first_published_at, published_at)
        select gen_random_uuid(), (select id from unit where code = 'YC-TAX'), 'PRODUCTION_HALTED', 'T' || lpad(g::text, 17, '0'), '批量' || g,
          '140802', 1 + g % 4, array['MARKET', 'LEGAL'], '{}', 'SHARED', '{}', '{}', 'ACTIVE', md5(g::text), 1, now(), now()
        from generate_series(1, 100000) g`,
      );
      let refused: any = null;
      for (let attempt = 0; attempt < 5 && !refused; attempt++) {
        const result = await slow.gql(`{ riskStats(groupBy: [CATEGORY, COUNTY, MONTH, PUBLISHER], filter: { status: ALL }) { entries } }`);
        refused = result.errors?.[0] ?? null;
      }
      expect(refused?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'ANALYST_STATEMENT_TIMEOUT', value: 1 });
      // The bulletin is an analyst's query too.
      let bulletin: any = null;
      for (let attempt = 0; attempt < 5 && !bulletin; attempt++) {
        const result = await slow.gql(
          `{ bulletin(from: "2026-01-01", to: "2026-12-31") { entriesAdded { count } enterprisesOnSeveralLists { uscc } } }`,
        );
        bulletin = result.errors?.[0] ?? null;
      }
      expect(bulletin?.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'ANALYST_STATEMENT_TIMEOUT', value: 1 });
    } finally {
      await slow.stop();
    }
  });
});

describe("the hub's day", () => {
  itWithServer('a case registered and a progress entry added without dates take today in HUB_TIMEZONE', async () => {
    const zone = 'Pacific/Kiritimati'; // UTC+14: its date differs from UTC's for ten hours a day, and never lags it
    const far = await startInstance(t, { HUB_TIMEZONE: zone });
    try {
      const [{ today }] = await sql<{ today: string }>(t.databaseUrl, `select (now() at time zone $1)::date::text as today`, [zone]);
      const registered = await far.gql(
        `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id stageOn } }`,
        {
          input: { caseNumber: '（2026）晋08破申99号', debtorUscc: in_('140802', 99), debtorName: '时区公司', procedure: 'LIQUIDATION' },
        },
        keys.COURT,
      );
      expect(registered.data.registerCase.stageOn).toBe(today);
      const progress = await far.gql(
        `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { occurredOn } } }`,
        {
          input: { caseId: registered.data.registerCase.id, kind: 'NOTE', summary: '无日期' },
        },
        keys.COURT,
      );
      expect(progress.data.addCaseProgress.progress.occurredOn).toBe(today);
    } finally {
      await far.stop();
    }
  });
});
