/**
 * Two database roles at start-up (issue 10, item 7), on the real PostgreSQL server with the roles docker-compose's
 * init script makes (test/support/database-roles.ts): start-up refuses a runtime role that could act as the owner
 * before writing anything; two instances starting at once; `npm run migrate` with both URLs; DATABASE_URL alone
 * behaves as before, and docker/move-to-owner.sql hands such a database to two roles.
 */
process.env.LOG_LEVEL ??= 'silent';
import fs from 'node:fs';
import pino from 'pino';
import { migrationsList } from '../../migrations';
import { ConfigError } from '../../src/config';
import { describeWithServer, sql, TEST_AUDIT_KEY } from '../support/db';
import { CLI, MOVE_TO_OWNER, owned, privileges, rolesFixture, run, superuserEnv, tables, urlAs } from '../support/database-roles';
import { gqlAt } from '../support/hub';

jest.setTimeout(180_000);

const f = rolesFixture();
afterAll(() => f.cleanup());

describeWithServer('two database roles: start-up, npm run migrate, and DATABASE_URL alone', () => {
  it('start-up stops with one line, before anything is written, when the runtime role could act as the owner', async () => {
    const db = await f.database();
    await f.createRoles(db);
    const superuser = { DATABASE_URL: db.url, DATABASE_OWNER_URL: f.ownerUrl(db) };
    await expect(f.start(superuser)).rejects.toThrow(new RegExp(`^the runtime role \\S+ of DATABASE_URL is a superuser: `));
    await expect(f.start({ DATABASE_URL: f.ownerUrl(db), DATABASE_OWNER_URL: f.ownerUrl(db) })).rejects.toThrow(
      `DATABASE_OWNER_URL and DATABASE_URL both connect as ${f.OWNER}`,
    );
    const refusedWhile = async (arrange: string, undo: string | (() => Promise<void>), message: string) => {
      await sql(db.url, arrange);
      try {
        const error = await f.start(f.bothRoles(db)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect([String(error), error]).toEqual([expect.any(String), expect.any(ConfigError)]);
        expect((error as Error).message).toContain(`the runtime role ${f.RUNTIME} of DATABASE_URL ${message}`);
      } finally {
        await (typeof undo === 'string' ? sql(db.url, undo) : undo());
      }
    };
    await refusedWhile(`grant "${f.OWNER}" to "${f.RUNTIME}"`, `revoke "${f.OWNER}" from "${f.RUNTIME}"`, `is a member of the owner ${f.OWNER}`);
    await refusedWhile(`alter role "${f.RUNTIME}" createrole`, `alter role "${f.RUNTIME}" nocreaterole`, 'may create roles');
    await refusedWhile(`create table stray (); alter table stray owner to "${f.RUNTIME}"`, `drop table stray`, 'owns stray');
    // A database changing hands takes its grants along: the owner is given CONNECT again, and afterwards both roles.
    await refusedWhile(
      `alter database "${db.name}" owner to "${f.RUNTIME}"; grant connect on database "${db.name}" to "${f.OWNER}"`,
      () => f.createRoles(db),
      'owns the database',
    );
    expect(await tables(db)).toEqual([]);
  });

  it('a runtime role that may create objects in schema public is warned about, not refused', async () => {
    const db = await f.database();
    await f.createRoles(db);
    await sql(db.url, `grant create on schema public to "${f.RUNTIME}"`);
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    await f.stop(await f.start(f.bothRoles(db), log));
    expect(lines.filter((line) => /may create tables in schema public/.test(line.msg))).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringContaining('revoke create on schema public from public') }),
    ]);
    expect(await owned(db, f.RUNTIME)).toEqual([]);
  });

  it('two instances starting at once with both roles: one migration run, one office', async () => {
    const db = await f.database();
    await f.createRoles(db);
    const [a, b] = await Promise.all([f.start(f.bothRoles(db)), f.start(f.bothRoles(db))]);
    const [row] = await sql<any>(
      db.url,
      `select (select count(*) from mikro_orm_migrations)::int as migrations, (select count(*) from unit where is_office)::int as offices`,
    );
    expect(row).toEqual({ migrations: migrationsList.length, offices: 1 });
    for (const hub of [a, b]) expect((await gqlAt(hub.url, f.ADMIN_KEY)(`{ me { roles } }`)).errors).toBeUndefined();
    await Promise.all([f.stop(a), f.stop(b)]);
  });

  it('npm run migrate with both URLs migrates as the owner and grants the runtime role; then a hub serves with DATABASE_URL alone and MIGRATE_ON_START=false', async () => {
    expect(fs.existsSync(CLI)).toBe(true);
    const db = await f.database();
    await f.createRoles(db);
    const { stdout } = await run(process.execPath, [CLI, 'migrate'], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', AUDIT_KEY: TEST_AUDIT_KEY, ...f.bothRoles(db) },
    });
    expect(stdout).toContain(`applied ${migrationsList.length} migration(s)`);
    expect(await owned(db, f.RUNTIME)).toEqual([]);
    const granted = await privileges(db, f.RUNTIME);
    expect(granted.unit).toEqual(['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
    expect(granted.audit_record).toEqual(['SELECT', 'INSERT']);
    // Serving needs no owner at all: the owner's URL can stay with the deploy step that migrates.
    const hub = await f.start({ DATABASE_URL: f.runtimeUrl(db), MIGRATE_ON_START: 'false' });
    expect((await gqlAt(hub.url, f.ADMIN_KEY)(`{ me { unit { isOffice } } }`)).data.me.unit.isOffice).toBe(true);
    expect(await owned(db, f.RUNTIME)).toEqual([]);
    await f.stop(hub);
    // With both URLs and MIGRATE_ON_START=false the owner only checks the roles and that nothing is pending.
    await f.stop(await f.start({ ...f.bothRoles(db), MIGRATE_ON_START: 'false' }));
  });

  it('DATABASE_URL alone behaves as before: one role owns everything and the migration grants nobody anything; docker/move-to-owner.sql then hands it to two roles', async () => {
    const db = await f.database();
    await sql(db.url, `create role "${f.LEGACY}" login password '${f.PASSWORD.legacy}'; alter database "${db.name}" owner to "${f.LEGACY}"`);
    const single = await f.start({ DATABASE_URL: urlAs(db, f.LEGACY, f.PASSWORD.legacy) });
    const gql = gqlAt(single.url, f.ADMIN_KEY);
    expect(
      (await gql(`mutation { createUnit(input: { code: "YC-TAX", kind: TAX, name: "运城市税务局", regionCode: "140800" }) { code } }`)).errors,
    ).toBeUndefined();
    await f.stop(single);
    expect(await sql(db.url, `select name from mikro_orm_migrations where name = 'Migration20261204000500_runtime_role'`)).toHaveLength(1);
    expect(await sql(db.url, `select relname from pg_class where relnamespace = 'public'::regnamespace and relacl is not null`)).toEqual([]);
    expect(await sql(db.url, `select 1 from pg_default_acl`)).toEqual([]);
    expect(
      await sql(
        db.url,
        `select distinct pg_get_userbyid(relowner)::text as owner from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`,
      ),
    ).toEqual([{ owner: f.LEGACY }]);

    // Two roles on that database: refused until the owner role owns the tables.
    await f.createRoles(db);
    await expect(f.start(f.bothRoles(db))).rejects.toThrow(
      new RegExp(`^DATABASE_OWNER_URL's role ${f.OWNER} does not own \\S+ \\(owned by ${f.LEGACY}\\)`),
    );
    await run('psql', ['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '--quiet', '-d', db.name, '-v', `owner=${f.OWNER}`, '-f', MOVE_TO_OWNER], {
      env: superuserEnv(db),
    });
    // PostgreSQL cannot hand over an extension: pg_trgm stays its creator's until REASSIGN OWNED (README).
    expect(await owned(db, f.LEGACY)).toEqual(['extension pg_trgm']);
    await sql(db.url, `reassign owned by "${f.LEGACY}" to "${f.OWNER}"`);
    expect(await owned(db, f.LEGACY)).toEqual([]);
    const both = await f.start(f.bothRoles(db));
    // The same office key and the unit written with one role; writes work as the runtime role.
    const after = gqlAt(both.url, f.ADMIN_KEY);
    expect((await after(`{ units(first: 10) { edges { node { code } } } }`)).data.units.edges.map((edge: any) => edge.node.code)).toContain('YC-TAX');
    expect(
      (
        await after(
          `mutation { createUnit(input: { code: "YC-MR", kind: MARKET_REGULATION, name: "运城市市场监督管理局", regionCode: "140800" }) { code } }`,
        )
      ).errors,
    ).toBeUndefined();
    expect(await owned(db, f.RUNTIME)).toEqual([]);
    expect((await privileges(db, f.RUNTIME)).audit_record).toEqual(['SELECT', 'INSERT']);
    await f.stop(both);
  });
});
