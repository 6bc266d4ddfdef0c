/**
 * Who submitted which list for a period (submissionStatus), and the periodic bulletin (bulletin, and as Markdown at
 * GET /bulletins), through a real hub: expected lists by unit kind, the office seeing every unit, the bulletin's
 * counts over what the caller may see, and coded refusals.
 */
import { randomUUID } from 'node:crypto';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const code = (division: string, n: number) => uscc(`91${division}MA0X${String(n).padStart(5, '0')}`);

let t: TestHub;
const keys: Record<string, string> = {};
let today: string;

async function publish(key: string, listType: string, entries: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  const result = await t.gql(
    `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed rejected { message } } }`,
    {
      input: { listType, mode: 'SNAPSHOT', idempotencyKey: randomUUID(), period: '2026-Q3', entries, ...extra },
    },
    key,
  );
  expect(result.data.publishRiskList).toEqual({ committed: true, rejected: [] });
}

beforeAll(async () => {
  t = await startTestHub();
  keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'ANALYZE'], 'TAX');
  keys.INDUSTRY = await t.keyFor('YC-GXJ', ['PUBLISH', 'READ', 'ANALYZE'], 'INDUSTRY');
  keys.MARKET = await t.keyFor('YC-SCJG', ['PUBLISH', 'READ'], 'MARKET_REGULATION');
  keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ', 'ANALYZE'], 'COURT', '晋08');
  keys.PBOC = await t.keyFor('YC-PBOC', ['READ', 'ANALYZE'], 'PBOC');
  keys.READER = await t.keyFor('YC-READER', ['READ'], 'OTHER');
  [{ today }] = await sql<{ today: string }>(t.databaseUrl, `select (now() at time zone 'Asia/Shanghai')::date::text as today`);

  await publish(keys.TAX, 'TAX_ARREARS', [
    {
      uscc: code('140802', 1),
      enterpriseName: '甲公司',
      riskLevel: 'RED',
      categories: ['FINANCIAL'],
      amount: '10.00',
      details: { taxTypes: ['增值税'] },
    },
    {
      uscc: code('140821', 2),
      enterpriseName: '乙公司',
      riskLevel: 'BLUE',
      categories: ['FINANCIAL'],
      amount: '20.00',
      details: { taxTypes: ['增值税'] },
    },
  ]);
  await publish(
    keys.TAX,
    'MAJOR_TAX_VIOLATION',
    [{ uscc: code('140802', 3), enterpriseName: '丙公司', riskLevel: 'ORANGE', categories: ['LEGAL'], details: { violationType: '虚开' } }],
    { classification: 'RESTRICTED', period: '2026-Q2' },
  );
  await publish(keys.INDUSTRY, 'ZOMBIE', [
    { uscc: code('140802', 1), enterpriseName: '甲公司', riskLevel: 'YELLOW', categories: ['MARKET'], details: { basis: '连续三年亏损' } },
  ]);
  // A withdrawal: the tax bureau's next snapshot leaves 乙公司 out.
  await publish(keys.TAX, 'TAX_ARREARS', [
    {
      uscc: code('140802', 1),
      enterpriseName: '甲公司',
      riskLevel: 'RED',
      categories: ['FINANCIAL'],
      amount: '10.00',
      details: { taxTypes: ['增值税'] },
    },
  ]);
  const registered = await t.gql(
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
    {
      input: {
        caseNumber: '（2026）晋08破申7号',
        debtorUscc: code('140802', 1),
        debtorName: '甲公司',
        procedure: 'LIQUIDATION',
        appliedOn: '2026-01-05',
      },
    },
    keys.COURT,
  );
  const caseId = registered.data.registerCase.id;
  await t.gql(
    `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { stage } }`,
    { input: { caseId, toStage: 'DISMISSED', expectedVersion: 1, on: '2026-01-20' } },
    keys.COURT,
  );
  await t.gql(
    `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`,
    { input: { caseId, kind: 'NOTE', summary: '撤回申请' } },
    keys.TAX,
  );
});
afterAll(() => t?.stop());

const STATUS = `query($period: String!, $onlyMissing: Boolean) {
  submissionStatus(period: $period, onlyMissing: $onlyMissing) { unit { code kind } listType expected submitted publications firstPublishedAt lastPublishedAt }
}`;

describe('submissionStatus', () => {
  it('the office sees, for each unit, the lists its kind is expected to publish and whether it did for the period', async () => {
    const result = await t.gql(STATUS, { period: '2026-Q3' });
    expect(result.errors).toBeUndefined();
    const rows = result.data.submissionStatus.map(
      (row: any) => `${row.unit.code} ${row.listType} ${row.expected ? 'expected' : 'extra'} ${row.submitted ? row.publications : 'missing'}`,
    );
    expect(rows).toEqual([
      'YC-COURT DISHONEST_JUDGMENT_DEBTOR expected missing',
      'YC-GXJ CAPACITY_ELIMINATION expected missing',
      'YC-GXJ PRODUCTION_HALTED expected missing',
      'YC-GXJ DISTRESSED expected missing',
      'YC-GXJ ZOMBIE expected 1',
      'YC-PBOC MUTUAL_GUARANTEE_RISK expected missing',
      'YC-PBOC LOAN_OVERDUE expected missing',
      'YC-SCJG LICENSE_REVOKED expected missing',
      'YC-SCJG ABNORMAL_OPERATION expected missing',
      'YC-SCJG SERIOUS_VIOLATION expected missing',
      'YC-TAX TAX_ARREARS expected 2',
      'YC-TAX MAJOR_TAX_VIOLATION expected missing',
    ]);
    const tax = result.data.submissionStatus.find((row: any) => row.listType === 'TAX_ARREARS');
    expect(new Date(tax.lastPublishedAt).getTime()).toBeGreaterThan(new Date(tax.firstPublishedAt).getTime());
  });

  it('onlyMissing: only the expected lists not yet submitted; another period counts only its own publications', async () => {
    const missing = await t.gql(STATUS, { period: '2026-Q3', onlyMissing: true });
    expect(missing.data.submissionStatus.every((row: any) => row.expected && !row.submitted)).toBe(true);
    expect(missing.data.submissionStatus).toHaveLength(10);
    const q2 = await t.gql(STATUS, { period: '2026-Q2' });
    expect(q2.data.submissionStatus.filter((row: any) => row.submitted).map((row: any) => row.listType)).toEqual(['MAJOR_TAX_VIOLATION']);
  });

  it('a unit other than the office sees its own rows; without ANALYZE it is FORBIDDEN', async () => {
    const tax = await t.gql(STATUS, { period: '2026-Q3' }, keys.TAX);
    expect(tax.data.submissionStatus.map((row: any) => `${row.unit.code} ${row.listType}`)).toEqual([
      'YC-TAX TAX_ARREARS',
      'YC-TAX MAJOR_TAX_VIOLATION',
    ]);
    expect((await t.gql(STATUS, { period: '2026-Q3' }, keys.READER)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await t.gql(STATUS, { period: '  ' })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'period' });
  });
});

const BULLETIN = `query($from: LocalDate!, $to: LocalDate!, $regionPrefix: String) {
  bulletin(from: $from, to: $to, regionPrefix: $regionPrefix) {
    from to timeZone casesRegistered { caseNumber debtorName court procedure stage } stageMoves { stage count } casesEnded { stage count }
    progress { kind count } entriesAdded { listType riskLevel count } entriesWithdrawn { listType riskLevel count }
    enterprisesOnSeveralLists { uscc name units }
  }
}`;

describe('bulletin', () => {
  it('the day of the writes: cases registered, moved and ended, progress, entries added and withdrawn, enterprises newly on two lists', async () => {
    const result = await t.gql(BULLETIN, { from: today, to: today });
    expect(result.errors).toBeUndefined();
    expect(result.data.bulletin).toEqual({
      from: today,
      to: today,
      timeZone: 'Asia/Shanghai',
      casesRegistered: [{ caseNumber: '（2026）晋08破申7号', debtorName: '甲公司', court: 'YC-COURT', procedure: 'LIQUIDATION', stage: 'DISMISSED' }],
      stageMoves: [{ stage: 'DISMISSED', count: 1 }],
      casesEnded: [{ stage: 'DISMISSED', count: 1 }],
      progress: [{ kind: 'NOTE', count: 1 }],
      entriesAdded: [
        { listType: 'MAJOR_TAX_VIOLATION', riskLevel: 'ORANGE', count: 1 },
        { listType: 'TAX_ARREARS', riskLevel: 'RED', count: 1 },
        { listType: 'TAX_ARREARS', riskLevel: 'BLUE', count: 1 },
        { listType: 'ZOMBIE', riskLevel: 'YELLOW', count: 1 },
      ],
      entriesWithdrawn: [{ listType: 'TAX_ARREARS', riskLevel: 'BLUE', count: 1 }],
      enterprisesOnSeveralLists: [{ uscc: code('140802', 1), name: '甲公司', units: ['YC-GXJ', 'YC-TAX'] }],
    });
  });

  it('over what the caller may see, in one region, and nothing on other days', async () => {
    const pboc = await t.gql(BULLETIN, { from: today, to: today }, keys.PBOC);
    expect(pboc.data.bulletin.entriesAdded.map((e: any) => e.listType)).not.toContain('MAJOR_TAX_VIOLATION');
    const county = await t.gql(BULLETIN, { from: today, to: today, regionPrefix: '140821' });
    expect(county.data.bulletin).toMatchObject({
      casesRegistered: [],
      entriesAdded: [{ listType: 'TAX_ARREARS', riskLevel: 'BLUE', count: 1 }],
      enterprisesOnSeveralLists: [],
    });
    const earlier = await t.gql(BULLETIN, { from: '2026-01-01', to: '2026-01-31' });
    expect(earlier.data.bulletin).toMatchObject({
      casesRegistered: [],
      stageMoves: [],
      progress: [],
      entriesAdded: [],
      enterprisesOnSeveralLists: [],
    });
  });

  it('a RESTRICTED case and its moves and progress count only for those who may read it', async () => {
    const secret = await t.gql(
      `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
      {
        input: {
          caseNumber: '（2026）晋08破申8号',
          debtorUscc: code('140802', 8),
          debtorName: '敏感公司',
          procedure: 'LIQUIDATION',
          appliedOn: '2026-01-05',
          sensitive: true,
        },
      },
      keys.COURT,
    );
    const caseId = secret.data.registerCase.id;
    await t.gql(
      `mutation($input: AdvanceCaseStageInput!) { advanceCaseStage(input: $input) { stage } }`,
      { input: { caseId, toStage: 'ACCEPTED', expectedVersion: 1, on: '2026-01-20' } },
      keys.COURT,
    );
    await t.gql(
      `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`,
      { input: { caseId, kind: 'MEETING', summary: '专题会议' } },
      keys.COURT,
    );
    const court = await t.gql(BULLETIN, { from: today, to: today }, keys.COURT);
    expect(court.data.bulletin.casesRegistered.map((c: any) => c.debtorName)).toEqual(['甲公司', '敏感公司']);
    expect(court.data.bulletin.stageMoves).toEqual([
      { stage: 'ACCEPTED', count: 1 },
      { stage: 'DISMISSED', count: 1 },
    ]);
    expect(court.data.bulletin.progress).toEqual([
      { kind: 'MEETING', count: 1 },
      { kind: 'NOTE', count: 1 },
    ]);
    for (const key of [keys.PBOC, keys.TAX]) {
      const other = await t.gql(BULLETIN, { from: today, to: today }, key);
      expect(other.data.bulletin.casesRegistered.map((c: any) => c.debtorName)).toEqual(['甲公司']);
      expect(other.data.bulletin.stageMoves).toEqual([{ stage: 'DISMISSED', count: 1 }]);
      expect(other.data.bulletin.progress).toEqual([{ kind: 'NOTE', count: 1 }]);
    }
  });

  it('refusals: to before from, a period over a year, a bad region prefix, no ANALYZE', async () => {
    expect((await t.gql(BULLETIN, { from: '2026-02-01', to: '2026-01-01' })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'to',
      rule: 'order',
    });
    expect((await t.gql(BULLETIN, { from: '2025-01-01', to: '2026-06-01' })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      rule: 'range',
    });
    expect((await t.gql(BULLETIN, { from: today, to: today, regionPrefix: '1' })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'regionPrefix',
    });
    expect((await t.gql(BULLETIN, { from: today, to: today }, keys.READER)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('as Markdown at GET /bulletins, for printing and sending', async () => {
    const base = t.url.replace(/\/graphql$/, '');
    const answer = await fetch(`${base}/bulletins?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const text = await answer.text();
    expect(text).toContain('# 府院联动信息共享定期通报');
    expect(text).toContain(`期间：${today} 至 ${today}（Asia/Shanghai）`);
    expect(text).toContain('新登记案件 2 件，阶段变动 2 次，结案（终结、终止、驳回/撤回）1 件。');
    expect(text).toContain('| （2026）晋08破申7号 | 甲公司 | YC-COURT | LIQUIDATION | 驳回/撤回 |');
    expect(text).toContain('新增 4 条，撤回 1 条。');
    expect(text).toContain(`| ${code('140802', 1)} | 甲公司 | YC-GXJ、YC-TAX |`);
    const missing = await fetch(`${base}/bulletins?to=${today}`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as any).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const forbidden = await fetch(`${base}/bulletins?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${keys.READER}` } });
    expect(forbidden.status).toBe(403);
  });
});
