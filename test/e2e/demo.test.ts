/**
 * `npm run demo` (the compiled CLI's `demo` command): it fills an empty hub with a realistic locality through the
 * hub's own services, and refuses a hub that already has data. Run with a smaller locality (DEMO_ENTERPRISES).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseUscc } from '../../src/modules/enterprises/uscc';
import { createTestDatabase, describeWithServer, sql, TEST_AUDIT_KEY, type TestDatabase } from '../support/db';

jest.setTimeout(180_000);
const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/src/main.js');

/** Runs `demo` against `url`; the exit code, stdout and stderr. */
async function demo(url: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url, AUDIT_KEY: TEST_AUDIT_KEY, DEMO_ENTERPRISES: '300', LOG_LEVEL: 'warn' };
  for (const name of Object.keys(env)) if (/^(DATA_DIR|HUB_|AUDIT_KEY_|PORT$|HOST$)/.test(name)) delete env[name];
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'demo'], { env, timeout: 170_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describeWithServer('the demo locality', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('fills an empty hub: the member units of 运城, enterprises with valid USCCs in its counties, overlapping lists, thirty cases with progress', async () => {
    const first = await demo(db.url);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/demo locality loaded: 24 member units, 300 enterprises, \d+ list entries, 30 cases with \d+ progress entries/);
    const [counts] = await sql<Record<string, number>>(
      db.url,
      `select (select count(*) from unit where not is_office)::int as units, (select count(*) from enterprise)::int as enterprises,
         (select count(distinct list_type) from risk_entry)::int as "listTypes", (select count(*) from risk_entry)::int as entries,
         (select count(*) from bankruptcy_case)::int as cases, (select count(distinct stage) from bankruptcy_case)::int as stages,
         (select count(*) from case_progress)::int as progress, (select count(*) from change_event)::int as changes,
         (select count(*) from (select uscc from risk_entry group by uscc having count(distinct publisher_unit_id) >= 2) x)::int as "onSeveralLists"`,
    );
    expect(counts).toMatchObject({ units: 24, enterprises: 300, listTypes: 10, cases: 30 });
    expect(counts.entries).toBeGreaterThan(250);
    expect(counts.stages).toBeGreaterThanOrEqual(6);
    expect(counts.progress).toBeGreaterThanOrEqual(30);
    expect(counts.onSeveralLists).toBeGreaterThan(20);
    expect(counts.changes).toBeGreaterThan(counts.entries);
    const enterprises = await sql<{ uscc: string; region_code: string }>(db.url, 'select uscc, region_code from enterprise');
    expect(enterprises.every((e) => parseUscc(e.uscc).ok && e.region_code.startsWith('1408'))).toBe(true);
    const units = await sql<{ name: string }>(db.url, 'select name from unit order by code');
    expect(units.map((u) => u.name)).toEqual(expect.arrayContaining(['运城市中级人民法院', '国家税务总局运城市税务局', '运城市市场监督管理局', '中国人民银行运城市分行']));
    // The courts have their court codes (法院代字), and every case number carries its court's.
    const courts = await sql<{ code: string; court_code: string }>(db.url, `select code, court_code from unit where kind = 'COURT' order by code`);
    expect(courts).toEqual([
      { code: 'YC-LYFY', court_code: '晋0821' },
      { code: 'YC-YHFY', court_code: '晋0802' },
      { code: 'YC-ZY', court_code: '晋08' },
    ]);
    const foreign = await sql(
      db.url,
      `select n.number from case_number n join bankruptcy_case c on c.id = n.case_id join unit u on u.id = c.court_unit_id
       where n.number not like '（2026）' || u.court_code || '破%'`,
    );
    expect(foreign).toEqual([]);
  });

  it('refuses a hub that already has data, changing nothing', async () => {
    const [before] = await sql<{ n: number }>(db.url, 'select count(*)::int as n from change_event');
    const again = await demo(db.url);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^fuyuan-hub: the hub already has data \(24 units besides the office, 300 enterprises, \d+ list entries, 30 cases\): the demo only fills an empty hub\n$/);
    const [after] = await sql<{ n: number }>(db.url, 'select count(*)::int as n from change_event');
    expect(after.n).toBe(before.n);
  });
});
