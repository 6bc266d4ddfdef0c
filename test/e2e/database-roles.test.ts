/**
 * Two database roles on the real PostgreSQL server (issue 10, items 7 and 8), made by docker-compose's init script
 * (test/support/database-roles.ts): a hub with DATABASE_OWNER_URL migrates as the owner and serves as the runtime
 * role, which owns nothing, is no superuser, writes every table but can neither change nor remove an audit record,
 * nor alter the audit table or its trigger; tables created later are usable without a grant of their own.
 */
process.env.LOG_LEVEL ??= 'silent';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { describeWithServer, sql, type TestDatabase } from '../support/db';
import { attempt, owned, privileges, rolesFixture, tables } from '../support/database-roles';
import { gqlAt } from '../support/hub';
import type { Hub } from '../../src/app';

jest.setTimeout(180_000);

const f = rolesFixture();
afterAll(() => f.cleanup());

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);

describeWithServer('two database roles: the owner migrates, the runtime role serves and owns nothing', () => {
  let db: TestDatabase;
  let hub: Hub;
  let gql: ReturnType<typeof gqlAt>;

  beforeAll(async () => {
    db = await f.database();
    await f.createRoles(db);
    hub = await f.start(f.bothRoles(db));
    gql = gqlAt(hub.url, f.ADMIN_KEY);
  });

  it("docker-compose's init script makes two login roles, no superuser, neither may create roles or databases; only they connect", async () => {
    const roles = await sql<any>(
      db.url,
      `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin, rolbypassrls from pg_roles where rolname in ($1, $2) order by rolname = $1 desc`,
      [f.OWNER, f.RUNTIME],
    );
    expect(roles).toEqual(
      [f.OWNER, f.RUNTIME].map((rolname) => ({
        rolname,
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolcanlogin: true,
        rolbypassrls: false,
      })),
    );
    const [row] = await sql<any>(
      db.url,
      `select pg_get_userbyid(datdba)::text as owner, has_database_privilege($1, datname, 'CONNECT') as runtime_connects,
         has_database_privilege($1, datname, 'TEMPORARY') as runtime_temporary, has_database_privilege('public', datname, 'CONNECT') as others_connect,
         has_schema_privilege($1, 'public', 'CREATE') as runtime_creates
       from pg_database where datname = current_database()`,
      [f.RUNTIME],
    );
    expect(row).toEqual({ owner: f.OWNER, runtime_connects: true, runtime_temporary: true, others_connect: false, runtime_creates: false });
    // Run again (by hand, on an existing data folder): it keeps both roles.
    await f.createRoles(db);
    expect(await sql(db.url, `select rolname from pg_roles where rolname in ($1, $2)`, [f.OWNER, f.RUNTIME])).toHaveLength(2);
  });

  it('the hub serves as the runtime role: it answers, admits a unit, issues and revokes a key, registers an enterprise, publishes and updates a list', async () => {
    const auditCount = async () => Number((await sql<{ n: string }>(db.url, `select count(*) as n from audit_record`))[0].n);
    const auditBefore = await auditCount();
    expect((await gql(`{ me { unit { isOffice } roles } }`)).data.me.unit.isOffice).toBe(true);
    const unit = await gql(`mutation { createUnit(input: { code: "YC-TAX", kind: TAX, name: "运城市税务局", regionCode: "140800" }) { code } }`);
    expect(unit.errors).toBeUndefined();
    const issued = await gql(`mutation { issueCredential(input: { unit: "YC-TAX", roles: [PUBLISH, READ] }) { key credential { id } } }`);
    expect(issued.errors).toBeUndefined();
    const taxKey = issued.data.issueCredential.key as string;
    const enterprise = uscc('91140802MA0RL0001');
    const registered = await gql(`mutation($u: USCC!) { registerEnterprise(input: { uscc: $u, name: "运城市角色测试有限公司" }) { created } }`, {
      u: enterprise,
    });
    expect(registered.errors).toBeUndefined();
    const publish = (key: string, amount: string) =>
      gql(
        `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed added updated rejected { field message } } }`,
        {
          input: {
            listType: 'TAX_ARREARS',
            mode: 'SNAPSHOT',
            idempotencyKey: `roles-${amount}`,
            entries: [
              {
                uscc: enterprise,
                enterpriseName: '运城市角色测试有限公司',
                riskLevel: 'ORANGE',
                categories: ['FINANCIAL'],
                amount,
                effectiveDate: '2026-09-30',
                details: { taxTypes: ['增值税'] },
              },
            ],
          },
        },
        key,
      );
    const first = await publish(taxKey, '1000.00');
    expect([first.errors, first.data.publishRiskList.rejected]).toEqual([undefined, []]);
    expect(first.data.publishRiskList).toMatchObject({ committed: true, added: 1 });
    const second = await publish(taxKey, '2000.00');
    expect(second.data.publishRiskList).toMatchObject({ committed: true, updated: 1 });
    const revoked = await gql(`mutation($id: ID!) { revokeCredential(id: $id) { id } }`, { id: issued.data.issueCredential.credential.id });
    expect(revoked.errors).toBeUndefined();
    expect((await gql(`{ changes(first: 10) { edges { node { topic } } } }`)).errors).toBeUndefined();

    // Its connections are the runtime role's; the owner's lived only while it migrated.
    const users = await sql<{ usename: string }>(
      db.url,
      `select distinct usename::text from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`,
    );
    expect(users.map((user) => user.usename)).toEqual([f.RUNTIME]);
    // Every table, sequence and function of the migrations is the owner's.
    const owners = await sql<{ owner: string }>(
      db.url,
      `select distinct pg_get_userbyid(relowner)::text as owner from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'S', 'i')
       union select distinct pg_get_userbyid(proowner)::text from pg_proc p where pronamespace = 'public'::regnamespace
         and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')`,
    );
    expect(owners.map((row) => row.owner)).toEqual([f.OWNER]);
    // The audit trail grew: appended as the runtime role.
    expect(await auditCount()).toBeGreaterThan(auditBefore);
  });

  it('every table of every migration: the runtime role reads and writes it, the audit trail only read and append, the migration history only read', async () => {
    const expected = Object.fromEntries(
      (await tables(db)).map((name) => [
        name,
        name === 'audit_record' ? ['SELECT', 'INSERT'] : name === 'mikro_orm_migrations' ? ['SELECT'] : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
      ]),
    );
    expect(Object.keys(expected)).toEqual(
      expect.arrayContaining(['audit_record', 'unit', 'credential', 'enterprise', 'change_event', 'risk_entry', 'bankruptcy_case', 'case_progress']),
    );
    expect(await privileges(db, f.RUNTIME)).toEqual(expected);
    // Not only as the catalogue says: each statement runs (on no rows) as the runtime role, or is refused by privilege.
    for (const [table, granted] of Object.entries(expected)) {
      const [column] = await sql<{ name: string }>(
        db.url,
        `select attname::text as name from pg_attribute where attrelid = $1::regclass and attnum = 1`,
        [table],
      );
      const statements: Record<string, string> = {
        SELECT: `select from "${table}" limit 1`,
        INSERT: `insert into "${table}" ("${column.name}") select "${column.name}" from "${table}" where false`,
        UPDATE: `update "${table}" set "${column.name}" = "${column.name}" where false`,
        DELETE: `delete from "${table}" where false`,
        TRUNCATE: `truncate "${table}"`,
      };
      for (const [privilege, statement] of Object.entries(statements)) {
        expect([table, privilege, await attempt(f.runtimeUrl(db), statement)]).toEqual([
          table,
          privilege,
          granted.includes(privilege) ? undefined : '42501',
        ]);
      }
    }
    // Its sequences: next values, never reset.
    expect(await attempt(f.runtimeUrl(db), `select nextval('audit_record_id_seq')`)).toBeUndefined();
    expect(await attempt(f.runtimeUrl(db), `select setval('audit_record_id_seq', 1)`)).toBe('42501');
  });

  it('as the runtime role the audit trail cannot be changed, nor its table or trigger: every attempt refused (42501), the records unchanged', async () => {
    const chain = `select count(*) as n, string_agg("hash" || "prev_hash" || "detail"::text, ',' order by "id") as chain from audit_record`;
    const [before] = await sql<any>(db.url, chain);
    const attempts = [
      `update audit_record set detail = '{}'::jsonb`,
      `update audit_record set hash = hash where id = (select max(id) from audit_record)`,
      `delete from audit_record where id = (select max(id) from audit_record)`,
      `delete from audit_record`,
      `truncate audit_record`,
      `alter table audit_record disable trigger audit_record_append_only`,
      `alter table audit_record disable trigger all`,
      `drop trigger audit_record_append_only on audit_record`,
      `drop trigger audit_record_no_truncate on audit_record`,
      `create trigger audit_record_forget before insert on audit_record for each statement execute function audit_record_append_only()`,
      `create or replace function audit_record_append_only() returns trigger language plpgsql as $$ begin return null; end $$`,
      `alter function audit_record_append_only() owner to "${f.RUNTIME}"`,
      `alter table audit_record add column forged text`,
      `alter table audit_record owner to "${f.RUNTIME}"`,
      `alter table audit_record rename to audit_record_old`,
      `drop table audit_record`,
      `lock table audit_record in access exclusive mode`,
      // Replication mode would skip the trigger; only a superuser may set it.
      `set session_replication_role = replica`,
      `create table audit_record_copy as select * from audit_record`,
    ];
    for (const statement of attempts) expect([statement, await attempt(f.runtimeUrl(db), statement)]).toEqual([statement, '42501']);
    // A grant it gives itself grants nothing (PostgreSQL only warns).
    await sql(f.runtimeUrl(db), `grant update, delete, truncate on audit_record to "${f.RUNTIME}"`);
    expect((await privileges(db, f.RUNTIME)).audit_record).toEqual(['SELECT', 'INSERT']);
    expect(await sql<any>(db.url, chain)).toEqual([before]);
  });

  it('the runtime role owns nothing in the database and is no superuser', async () => {
    expect(await owned(db, f.RUNTIME)).toEqual([]);
    const [role] = await sql<any>(db.url, `select rolsuper, pg_has_role($1, $2, 'MEMBER') as member_of_owner from pg_roles where rolname = $1`, [
      f.RUNTIME,
      f.OWNER,
    ]);
    expect(role).toEqual({ rolsuper: false, member_of_owner: false });
    // The owner's default privileges give the runtime role its share of later tables.
    const [defaults] = await sql<{ acl: string }>(
      db.url,
      `select defaclacl::text as acl from pg_default_acl where defaclrole = $1::regrole and defaclobjtype = 'r'`,
      [f.OWNER],
    );
    expect(defaults.acl).toContain(`${f.RUNTIME}=arwd/${f.OWNER}`);
  });

  it('a table a later migration creates (as the owner) is usable by the runtime role with no grant of its own, still without TRUNCATE', async () => {
    await sql(f.ownerUrl(db), `create table later_feature (id bigserial primary key, note text)`);
    try {
      const [row] = await sql<{ id: string }>(f.runtimeUrl(db), `insert into later_feature (note) values ('a') returning id`);
      await sql(f.runtimeUrl(db), `update later_feature set note = 'b' where id = $1`, [row.id]);
      expect(await sql(f.runtimeUrl(db), `select note from later_feature`)).toEqual([{ note: 'b' }]);
      await sql(f.runtimeUrl(db), `delete from later_feature`);
      expect(await attempt(f.runtimeUrl(db), `truncate later_feature`)).toBe('42501');
      expect(await attempt(f.runtimeUrl(db), `drop table later_feature`)).toBe('42501');
    } finally {
      await sql(f.ownerUrl(db), `drop table later_feature`);
    }
  });

  it('grants widened on the audit trail (a later migration re-creating it) are narrowed again by the next migration run', async () => {
    await sql(f.ownerUrl(db), `grant update, delete, truncate on audit_record to "${f.RUNTIME}"`);
    expect((await privileges(db, f.RUNTIME)).audit_record).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']);
    // The next start runs the migrations (none pending) and, with them, the grants.
    await f.stop(await f.start(f.bothRoles(db)));
    expect((await privileges(db, f.RUNTIME)).audit_record).toEqual(['SELECT', 'INSERT']);
    expect((await gql(`{ me { roles } }`)).errors).toBeUndefined();
  });
});
