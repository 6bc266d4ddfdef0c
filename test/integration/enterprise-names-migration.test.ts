/**
 * The migration of issue 10 item 5 (Migration20261204000100_enterprise_names) on a database in the old state: the
 * migrations before it applied, then rows written by SQL as the old code wrote them (an enterprise's name taken
 * from whichever row created it, renamed by any publication of the office or of market regulation, RESTRICTED
 * ones included). Starting a hub applies it: every name that came from a non-registry row is restored (the last
 * registerEnterprise audit record, else the newest SHARED market-regulation entry, else the first SHARED row), the
 * count reaches the operator's log, and an enterprise only RESTRICTED rows name is hidden from other units.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { startHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openOrm } from '../../src/db/orm';
import { entities } from '../../src/entities';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { createTestDatabase, describeWithServer, sql, TEST_AUDIT_KEY, type TestDatabase } from '../support/db';

const code = (n: number) => {
  const first17 = `91140802MA0R${String(n).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
};
const E = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((n) => [`E${n}`, code(n)])) as Record<string, string>;
const at = (hours: number) => new Date(Date.UTC(2026, 10, 1, hours)).toISOString();
const units = { market: randomUUID(), tax: randomUUID(), court: randomUUID() };

describeWithServer('migration enterprise_names on a database written the old way', () => {
  let db: TestDatabase;
  let hub: Hub;
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  const lines: { msg?: string; migration?: boolean }[] = [];
  const gql = async (query: string, variables: Record<string, unknown>, key = adminKey) => {
    const response = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as any;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const orm = await openOrm(db.url, 2, entities);
    await orm.getMigrator().up({ to: 'Migration20261129000000_case_ledger' });
    await orm.close(true);

    const run = (text: string, params: unknown[] = []) => sql(db.url, text, params);
    for (const [id, codeOf, kind] of [
      [units.market, 'YC-SCJG', 'MARKET_REGULATION'],
      [units.tax, 'YC-SWJ', 'TAX'],
      [units.court, 'YC-ZY', 'COURT'],
    ]) {
      await run(`insert into unit (id, code, name, kind, region_code, created_at, updated_at) values ($1, $2, $2, $3, '140800', now(), now())`, [
        id,
        codeOf,
        kind,
      ]);
    }
    const enterprise = (uscc: string, name: string, hours: number) =>
      run(`insert into enterprise (uscc, name, region_code, created_at, updated_at) values ($1, $2, '140802', $3, $3)`, [uscc, name, at(hours)]);
    let audits = 0;
    const audit = (uscc: string, action: string, detail: Record<string, unknown>, hours: number) =>
      run(
        `insert into audit_record (occurred_at, action, entity_type, entity_id, detail, prev_hash, hash) values ($1, $2, 'Enterprise', $3, $4, $5, $6)`,
        [at(hours), action, uscc, JSON.stringify(detail), `prev-${audits}`, `hash-${++audits}-${randomUUID()}`],
      );
    const entry = (o: {
      uscc: string;
      unit: string;
      name: string;
      classification: string;
      hours: number;
      first?: number;
      version?: number;
      region?: string;
      kinds?: string[];
    }) =>
      run(
        `insert into risk_entry (id, publisher_unit_id, list_type, uscc, enterprise_name, region_code, risk_level, categories, details, classification,
           shared_unit_codes, shared_kinds, status, content_hash, version, first_published_at, published_at)
         values ($1::uuid, $2, 'ZOMBIE', $3, $4, $5, 2, '{MARKET}', '{"basis":"x"}', $6, '{}', $7, 'ACTIVE', md5($1::text), $8, $9, $10) returning id`,
        [
          randomUUID(),
          o.unit,
          o.uscc,
          o.name,
          o.region ?? '140802',
          o.classification,
          o.kinds ?? [],
          o.version ?? 1,
          at(o.first ?? o.hours),
          at(o.hours),
        ],
      ).then((rows) => rows[0].id as string);
    const version = (entryId: string, name: string, classification: string, hours: number) =>
      run(
        `insert into risk_entry_version (entry_id, version, enterprise_name, region_code, risk_level, categories, details, classification, shared_unit_codes,
           shared_kinds, published_at, superseded_at) values ($1, 1, $2, '140802', 2, '{MARKET}', '{}', $3, '{}', '{}', $4, $5)`,
        [entryId, name, classification, at(hours), at(hours + 1)],
      );
    const kase = (uscc: string, name: string, classification: string, hours: number, region = '140802') =>
      run(
        `insert into bankruptcy_case (id, court_unit_id, debtor_uscc, debtor_name, region_code, procedure, stage, stage_on, major, sensitive, classification,
           shared_unit_codes, shared_kinds, version, registered_by_unit_id, created_at, updated_at)
         values ($1, $2, $3, $4, $5, 'LIQUIDATION', 'APPLIED', '2026-11-01', false, false, $6, '{}', '{}', 1, $2, $7, $7)`,
        [randomUUID(), units.court, uscc, name, region, classification, at(hours)],
      );

    // E1: registered by the office, then renamed by a RESTRICTED market-regulation entry (the issue's case).
    await enterprise(E.E1, '甲企业市场口径', 1);
    await audit(E.E1, 'enterprise.register', { name: '运城市甲测试有限公司', regionCode: '140802' }, 1);
    await entry({ uscc: E.E1, unit: units.market, name: '甲企业市场口径', classification: 'RESTRICTED', kinds: ['TAX'], hours: 2 });
    // E2: created by a SHARED tax entry, renamed by a SHARED market-regulation entry, then by the office publishing for TAX.
    await enterprise(E.E2, '乙办公室代税务名', 1);
    await entry({ uscc: E.E2, unit: units.market, name: '乙市监登记名', classification: 'SHARED', hours: 3 });
    const taxE2 = await entry({ uscc: E.E2, unit: units.tax, name: '乙办公室代税务名', classification: 'SHARED', first: 1, hours: 4, version: 2 });
    await version(taxE2, '乙税务名', 'SHARED', 1);
    // E3: created by a RESTRICTED market-regulation entry, then named by a SHARED tax entry (with a region of its own).
    await enterprise(E.E3, '丙市监限定口径', 1);
    await entry({ uscc: E.E3, unit: units.market, name: '丙市监限定口径', classification: 'RESTRICTED', hours: 1 });
    await entry({ uscc: E.E3, unit: units.tax, name: '丙税务共享名', classification: 'SHARED', hours: 5, region: '140821' });
    // E4: only RESTRICTED rows name it.
    await enterprise(E.E4, '丁市监限定口径', 1);
    await entry({ uscc: E.E4, unit: units.market, name: '丁市监限定口径', classification: 'RESTRICTED', hours: 1 });
    // E5: created by a RESTRICTED case, then a SHARED case in another county.
    await enterprise(E.E5, '戊法院限定口径', 1);
    await kase(E.E5, '戊法院限定口径', 'RESTRICTED', 1);
    await kase(E.E5, '戊法院共享名', 'SHARED', 6, '140821');
    // E6: registered, name as registered: nothing to restore.
    await enterprise(E.E6, '己登记名', 1);
    await audit(E.E6, 'enterprise.register', { name: '己登记名', regionCode: '140802' }, 1);
    await entry({ uscc: E.E6, unit: units.tax, name: '己税务名', classification: 'SHARED', hours: 2 });
    // E7: created by a RESTRICTED entry; a tax entry SHARED from its first version, renamed in its second.
    await enterprise(E.E7, '庚市监限定口径', 1);
    await entry({ uscc: E.E7, unit: units.market, name: '庚市监限定口径', classification: 'RESTRICTED', hours: 1 });
    const taxE7 = await entry({ uscc: E.E7, unit: units.tax, name: '庚税务第二版名', classification: 'SHARED', first: 2, hours: 4, version: 2 });
    await version(taxE7, '庚税务第一版名', 'SHARED', 2);

    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    hub = await startHub(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, AUDIT_KEY: TEST_AUDIT_KEY, HUB_ADMIN_KEY: adminKey }), log);
  });
  afterAll(async () => {
    await hub?.stop();
    await db?.drop();
  });

  it('restores every name that came from a non-registry row, and the regions with them', async () => {
    const rows = await sql<{ uscc: string; name: string; region_code: string; public_since: string | null }>(
      db.url,
      `select uscc, name, region_code, (to_json(public_since) #>> '{}') as public_since from enterprise where uscc = any($1) order by uscc`,
      [Object.values(E)],
    );
    const since = (hours: number) => new Date(at(hours)).getTime();
    expect(rows.map((row) => [row.uscc, row.name, row.region_code, row.public_since && new Date(row.public_since).getTime()])).toEqual([
      [E.E1, '运城市甲测试有限公司', '140802', since(1)],
      [E.E2, '乙市监登记名', '140802', since(1)],
      [E.E3, '丙税务共享名', '140821', since(5)],
      [E.E4, '丁市监限定口径', '140802', null],
      [E.E5, '戊法院共享名', '140821', since(6)],
      [E.E6, '己登记名', '140802', since(1)],
      [E.E7, '庚税务第一版名', '140802', since(2)],
    ]);
  });

  it('reports how many it restored in the hub log', () => {
    const notes = lines.filter((line) => line.migration).map((line) => line.msg);
    expect(notes).toEqual([
      'migration enterprise_names: restored the registry name of 5 enterprise(s) and the region of 2 that had been taken from a non-registry row; ' +
        '1 enterprise(s) named only by RESTRICTED rows are now shown only to units that may read those rows',
    ]);
  });

  it('afterwards an enterprise only RESTRICTED rows name exists only for their readers', async () => {
    const issued = await gql(`mutation { issueCredential(input: { unit: "YC-ZY", roles: [READ] }) { key } }`, {});
    const courtKey = issued.data.issueCredential.key;
    const ONE = `query($u: USCC!) { enterprise(uscc: $u) { name } }`;
    expect((await gql(ONE, { u: E.E4 }, courtKey)).data.enterprise).toBeNull();
    expect((await gql(ONE, { u: E.E4 })).data.enterprise).toEqual({ name: '丁市监限定口径' });
    expect((await gql(ONE, { u: E.E1 }, courtKey)).data.enterprise).toEqual({ name: '运城市甲测试有限公司' });
    const listed = await gql(`{ enterprises(first: 100) { totalCount edges { node { uscc } } } }`, {}, courtKey);
    expect(listed.data.enterprises.edges.map((edge: any) => edge.node.uscc).sort()).toEqual([E.E1, E.E2, E.E3, E.E5, E.E6, E.E7].sort());
    expect(listed.data.enterprises.totalCount).toBe(6);
  });
});
