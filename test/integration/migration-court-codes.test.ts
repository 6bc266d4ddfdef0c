/**
 * The migration that gives court units their court codes (Migration20261204000200_court_codes, issue 10 item 6),
 * on a database whose rows were written the old way (by SQL, before the migration): each court gets the code its
 * cases' numbers agree on — appeal and supervision numbers of a court above agree with it — and none otherwise.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Database } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { createTestDatabase, serverUrl, sql, TEST_AUDIT_KEY, type TestDatabase } from '../support/db';

const BEFORE = 'Migration20261129000000_case_ledger';
const MIGRATION = 'Migration20261204000200_court_codes';

let db: Database;
let database: TestDatabase | undefined;
let dataDir: string | undefined;
let serial = 0;

beforeAll(async () => {
  if (serverUrl()) database = await createTestDatabase();
  else dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fyh-test-'));
  const config = loadConfig(database ? { DATABASE_URL: database.url, AUDIT_KEY: TEST_AUDIT_KEY } : { DATA_DIR: dataDir! });
  db = await openDatabase(config, createLogger('silent'));
  await db.orm.getMigrator().up({ to: BEFORE });
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

const run = (text: string, params: unknown[] = []) => sql(db.clientUrl, text, params);

/** A unit as the old code wrote it (no court code). */
async function unit(code: string, kind = 'COURT'): Promise<string> {
  const id = randomUUID();
  await run(
    `insert into unit (id, code, name, kind, region_code, is_office, active, created_at, updated_at) values ($1, $2, $3, $4, '140800', false, true, now(), now())`,
    [id, code, `${code} 单位`, kind],
  );
  return id;
}

/** A case of the court `courtId` carrying `numbers` (canonical), as the old code wrote it. */
async function kase(courtId: string, ...numbers: string[]): Promise<void> {
  const first17 = `91140802MA0M${String(++serial).padStart(5, '0')}`;
  const uscc = first17 + usccCheckCharacter(first17);
  await run(`insert into enterprise (uscc, name, region_code, created_at, updated_at) values ($1, $2, '140802', now(), now())`, [
    uscc,
    `债务人${serial}`,
  ]);
  const id = randomUUID();
  await run(
    `insert into bankruptcy_case (id, court_unit_id, debtor_uscc, debtor_name, region_code, procedure, stage, stage_on, major, sensitive,
       classification, shared_unit_codes, shared_kinds, version, registered_by_unit_id, created_at, updated_at)
     values ($1, $2, $3, $4, '140802', 'LIQUIDATION', 'APPLIED', '2026-01-01', false, false, 'SHARED', '{}', '{}', 1, $2, now(), now())`,
    [id, courtId, uscc, `债务人${serial}`],
  );
  for (const number of numbers) {
    const typeCode = /^（\d{4}）(?:最高法|\D\d*)(\p{Script=Han}+)\d/u.exec(number)![1];
    await run(`insert into case_number (number, case_id, type_code, added_at) values ($1, $2, $3, clock_timestamp())`, [number, id, typeCode]);
  }
}

describe('Migration20261204000200_court_codes on rows written the old way', () => {
  let codes: Record<string, string | null>;

  beforeAll(async () => {
    // Agreeing numbers: first-instance numbers of one code, appeal and supervision numbers of it or of a court above.
    const zy = await unit('YC-ZY');
    await kase(zy, '（2026）晋08破申1号', '（2026）晋08破1号');
    await kase(zy, '（2026）晋08破申2号', '（2026）晋破终1号');
    const yh = await unit('YC-YHFY');
    await kase(yh, '（2026）晋0802破申1号', '（2026）晋08破终2号');
    await kase(yh, '（2026）晋0802清申1号', '（2026）晋破监1号', '（2026）晋0802破终1号');
    // Disagreeing: two first-instance codes; a sibling's appeal number; 最高法's (no court's own to register).
    await kase(await unit('YC-MIXED'), '（2026）晋0821破申1号', '（2026）晋0822破申1号');
    const sibling = await unit('YC-SIBLING');
    await kase(sibling, '（2026）晋0823破申1号');
    await kase(sibling, '（2026）晋0881破终1号');
    await kase(await unit('YC-SUPREME'), '（2026）晋0826破申1号', '（2026）最高法破监1号');
    // Nothing to tell by: only an appeal number (its own, or a court above's?), no case, a case without a number.
    await kase(await unit('YC-APPEAL'), '（2026）晋08破终5号');
    await unit('YC-NONE');
    await kase(await unit('YC-PRE'));
    // Two courts whose numbers agree on the same code: a code names one court, so neither gets it.
    await kase(await unit('YC-TWIN1'), '（2026）晋0825破申1号');
    await kase(await unit('YC-TWIN2'), '（2026）晋0825破申2号');
    // A unit that is no longer a COURT keeps no code, whatever its cases' numbers.
    await kase(await unit('YC-FORMER', 'JUSTICE'), '（2026）晋0824破申1号');
    await unit('YC-TAX', 'TAX');

    await db.orm.getMigrator().up({ to: MIGRATION });
    const rows = await run(`select code, court_code from unit order by code`);
    codes = Object.fromEntries(rows.map((row: any) => [row.code, row.court_code]));
  });

  it('sets the code the numbers agree on, appeal and supervision numbers of a court above included', () => {
    expect(codes['YC-ZY']).toBe('晋08');
    expect(codes['YC-YHFY']).toBe('晋0802');
  });

  it('leaves it empty where they disagree, where nothing tells, for a code two courts claim, and for a unit no longer a COURT', () => {
    for (const code of ['YC-MIXED', 'YC-SIBLING', 'YC-SUPREME', 'YC-APPEAL', 'YC-NONE', 'YC-PRE', 'YC-TWIN1', 'YC-TWIN2', 'YC-FORMER', 'YC-TAX']) {
      expect([code, codes[code]]).toEqual([code, null]);
    }
  });

  it('afterwards the database keeps the rules: only a COURT has a code, and no two units the same', async () => {
    await expect(run(`update unit set court_code = '晋0899' where code = 'YC-TAX'`)).rejects.toThrow(/unit_court_code_kind/);
    await expect(run(`update unit set court_code = '晋08' where code = 'YC-NONE'`)).rejects.toThrow(/unit_court_code_unique/);
  });
});
