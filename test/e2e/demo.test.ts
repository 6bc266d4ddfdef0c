/**
 * `npm run demo` (the compiled CLI's `demo` command): it fills an empty hub with a realistic locality through the
 * hub's own services, and refuses a hub that already has data. Two runs at once: one loads, the other waits for
 * the demo's lock and then refuses. A run that fails midway (a real fault in the database) is finished by running
 * it again, to exactly the demo a run without fault loads. Run with a smaller locality (DEMO_ENTERPRISES).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_LOCK, withAdvisoryLock } from '../../src/db/startup-lock';
import { parseUscc } from '../../src/modules/enterprises/uscc';
import { createTestDatabase, describeWithServer, sql, TEST_AUDIT_KEY, type TestDatabase } from '../support/db';

jest.setTimeout(180_000);
const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/src/main.js');

/** Runs `demo` (or another command) against `url`; the exit code, stdout and stderr. */
async function demo(url: string, enterprises = 300, command = 'demo'): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: url,
    AUDIT_KEY: TEST_AUDIT_KEY,
    DEMO_ENTERPRISES: String(enterprises),
    LOG_LEVEL: 'warn',
  };
  for (const name of Object.keys(env)) if (/^(DATA_DIR|HUB_|AUDIT_KEY_|PORT$|HOST$)/.test(name)) delete env[name];
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, command], { env, timeout: 170_000 });
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
    expect(units.map((u) => u.name)).toEqual(
      expect.arrayContaining(['运城市中级人民法院', '国家税务总局运城市税务局', '运城市市场监督管理局', '中国人民银行运城市分行']),
    );
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
    expect(again.stderr).toMatch(
      /^fuyuan-hub: the hub already has data \(24 units besides the office, 300 enterprises, \d+ list entries, 30 cases\): the demo only fills an empty hub\n$/,
    );
    const [after] = await sql<{ n: number }>(db.url, 'select count(*)::int as n from change_event');
    expect(after.n).toBe(before.n);
  });
});

/** Everything a demo writes, without ids and times: two databases with the same fingerprint hold the same demo. */
async function fingerprint(url: string): Promise<Record<string, unknown>> {
  const digest = (rows: string) => `(select md5(coalesce(string_agg(x, ',' order by x), '')) from (${rows}) d)`;
  const [row] = await sql<Record<string, unknown>>(
    url,
    `select
       ${digest(`select code || '|' || name || '|' || kind || '|' || region_code as x from unit where not is_office`)} as units,
       ${digest(`select uscc || '|' || name || '|' || region_code || '|' || coalesce(industry, '') as x from enterprise`)} as enterprises,
       ${digest(`select u.code || '|' || r.list_type || '|' || r.uscc || '|' || r.risk_level || '|' || coalesce(r.amount::text, '') || '|' || r.status || '|'
                   || r.classification || '|' || r.version || '|' || r.details::text as x from risk_entry r join unit u on u.id = r.publisher_unit_id`)} as entries,
       ${digest(`select u.code || '|' || p.list_type || '|' || p.idempotency_key || '|' || p.added || '|' || p.entry_count as x
                   from risk_publication p join unit u on u.id = p.publisher_unit_id`)} as publications,
       ${digest(`select u.code || '|' || c.debtor_uscc || '|' || c.procedure || '|' || c.stage || '|' || c.stage_on || '|' || c.version || '|'
                   || coalesce(c.employees_affected::text, '') || '|' || c.classification || '|'
                   || coalesce((select string_agg(n.number, ';' order by n.number) from case_number n where n.case_id = c.id), '') as x
                   from bankruptcy_case c join unit u on u.id = c.court_unit_id`)} as cases,
       ${digest(`select u.code || '|' || p.idempotency_key || '|' || p.kind || '|' || p.occurred_on || '|' || coalesce(p.amount::text, '') || '|' || p.summary as x
                   from case_progress p join unit u on u.id = p.unit_id`)} as progress,
       (select count(*) from case_stage_change)::int as "stageChanges",
       (select string_agg(x, ', ' order by x) from (select topic || ' ' || kind || ' ' || count(*) as x from change_event group by topic, kind) e) as changes,
       (select string_agg(x, ', ' order by x) from (select action || ' ' || count(*) as x from audit_record group by action) a) as audit,
       (select count(*) from unit where not is_office)::int as "unitCount", (select count(*) from bankruptcy_case)::int as "caseCount",
       (select count(*) from case_progress)::int as "progressCount"`,
  );
  return row;
}

const SMALL = 100;
const LOADED = /^fuyuan-hub: demo locality loaded: 24 member units, 100 enterprises, \d+ list entries, 30 cases with \d+ progress entries$/m;

describeWithServer('one demo at a time, and a demo that stopped midway is finished by running it again', () => {
  const databases: TestDatabase[] = [];
  const fresh = async () => {
    const database = await createTestDatabase();
    databases.push(database);
    return database;
  };
  let reference: { summary: string; fingerprint: Record<string, unknown> };
  beforeAll(async () => {
    const database = await fresh();
    const clean = await demo(database.url, SMALL);
    expect([clean.code, clean.stderr]).toEqual([0, '']);
    reference = { summary: clean.stdout.match(LOADED)![0], fingerprint: await fingerprint(database.url) };
    expect(reference.fingerprint).toMatchObject({ unitCount: 24, caseCount: 30 });
  });
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it('two runs at once: one loads, the other waits for the lock and then refuses; the hub holds exactly one demo', async () => {
    const database = await fresh();
    let runs: Promise<{ code: number; stdout: string; stderr: string }>[] = [];
    // Hold the demo's lock until both runs wait for it, so that they really run at once.
    await withAdvisoryLock(database.url, DEMO_LOCK, async () => {
      runs = [demo(database.url, SMALL), demo(database.url, SMALL)];
      const deadline = Date.now() + 60_000;
      for (;;) {
        const [{ n }] = await sql<{ n: number }>(
          database.url,
          `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and classid = $1 and objid = $2`,
          DEMO_LOCK,
        );
        if (n === 2) break;
        if (Date.now() > deadline) throw new Error('the two demo runs did not both wait for the demo lock');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });
    const results = await Promise.all(runs);
    expect(results.map((result) => result.code).sort()).toEqual([0, 1]);
    const loaded = results.find((result) => result.code === 0)!;
    const refused = results.find((result) => result.code === 1)!;
    expect(loaded.stdout).toMatch(LOADED);
    expect(refused.stdout).toContain('fuyuan-hub: another demo load is running on this database: waiting for it to finish');
    expect(refused.stderr).toMatch(
      /^fuyuan-hub: the hub already has data \(24 units besides the office, 100 enterprises, \d+ list entries, 30 cases\): the demo only fills an empty hub\n$/,
    );
    expect(await fingerprint(database.url)).toEqual(reference.fingerprint);
  });

  it.each([
    ['while registering the enterprises', 'enterprise', 40],
    ['between two lists', 'risk_publication', 4],
    ["in the middle of a case's progress", 'case_progress', 21],
  ])(
    'a fault %s stops the load; once it is gone, running the demo again finishes it: the same demo as a run without fault',
    async (_when, table, after) => {
      const database = await fresh();
      expect((await demo(database.url, SMALL, 'migrate')).code).toBe(0);
      // A real fault: the database refuses the next row of the table once it holds `after` of them.
      await sql(
        database.url,
        `create function demo_fault() returns trigger language plpgsql as $$
       begin if (select count(*) from ${table}) >= ${after} then raise exception 'injected fault: the disk is full'; end if; return new; end $$`,
      );
      await sql(database.url, `create trigger demo_fault before insert on ${table} for each row execute function demo_fault()`);
      const failed = await demo(database.url, SMALL);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('injected fault: the disk is full');
      const half = await fingerprint(database.url);
      expect(half).not.toEqual(reference.fingerprint);
      expect(half.unitCount).toBe(24);
      await sql(database.url, 'drop trigger demo_fault on ' + table);
      const resumed = await demo(database.url, SMALL);
      expect([resumed.code, resumed.stderr]).toEqual([0, '']);
      expect(resumed.stdout).toContain('fuyuan-hub: a demo load stopped midway on this database: resuming it where it stopped');
      expect(resumed.stdout.match(LOADED)![0]).toBe(reference.summary);
      expect(await fingerprint(database.url)).toEqual(reference.fingerprint);
      // And then it is a hub with data like any other.
      const again = await demo(database.url, SMALL);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/the hub already has data/);
    },
  );

  it('a hub with data of its own besides part of a demo is refused, naming what is not the demo, and nothing is written', async () => {
    const database = await fresh();
    expect((await demo(database.url, SMALL, 'migrate')).code).toBe(0);
    await sql(database.url, `create function demo_fault() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`);
    await sql(database.url, 'create trigger demo_fault before insert on risk_publication for each row execute function demo_fault()');
    expect((await demo(database.url, SMALL)).code).toBe(1);
    await sql(database.url, 'drop trigger demo_fault on risk_publication');
    // Someone used the half-filled hub meanwhile: a unit of their own.
    await sql(
      database.url,
      `insert into unit (id, code, name, kind, region_code, is_office, active, created_at, updated_at)
       values (gen_random_uuid(), 'YC-OWN', '自有单位', 'OTHER', '140800', false, true, now(), now())`,
    );
    const before = await fingerprint(database.url);
    const refused = await demo(database.url, SMALL);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^fuyuan-hub: the hub already has data \(25 units besides the office, 100 enterprises, 0 list entries, 0 cases\): the demo only fills an empty hub \(unit YC-OWN is not part of the demo\)\n$/,
    );
    expect(await fingerprint(database.url)).toEqual(before);
  });
});
