/**
 * The two database roles for a test file (test/e2e/database-roles*.test.ts): made by the very init script that
 * docker-compose.yml mounts (docker/postgres-init/10-roles.sh), with names unique to the run, in databases of the
 * file's own. Roles are server-wide: {@link RolesFixture.cleanup} (afterAll) stops the file's hubs, drops its
 * databases and then its roles, also after a failure. Plus what the tests ask PostgreSQL about a role.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { startHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createTestDatabase, serverUrl, sql, TEST_AUDIT_KEY, type TestDatabase } from './db';

export const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/src/main.js');
const INIT_SCRIPT = path.join(ROOT, 'docker/postgres-init/10-roles.sh');
export const MOVE_TO_OWNER = path.join(ROOT, 'docker/move-to-owner.sql');

/** `db`'s URL as `role` with `password`. */
export function urlAs(db: TestDatabase, role: string, password: string): string {
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  return url.toString();
}

/** libpq's settings for the test server as its superuser (the postgres image runs its init scripts as that). */
export function superuserEnv(db: TestDatabase): NodeJS.ProcessEnv {
  const server = new URL(db.url);
  return {
    PATH: process.env.PATH,
    PGHOST: server.hostname,
    PGPORT: server.port || '5432',
    ...(server.password ? { PGPASSWORD: decodeURIComponent(server.password) } : {}),
    POSTGRES_USER: decodeURIComponent(server.username) || 'postgres',
    POSTGRES_DB: db.name,
  };
}

export type RolesFixture = ReturnType<typeof rolesFixture>;

/** Unique role names and passwords for one test file, and its databases and hubs. */
export function rolesFixture() {
  const tag = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const password = () => randomBytes(12).toString('hex');
  const databases: TestDatabase[] = [];
  const hubs: Hub[] = [];
  const f = {
    OWNER: `fyh_owner_${tag}`,
    RUNTIME: `fyh_hub_${tag}`,
    /** The one role of a hub run with DATABASE_URL alone. */
    LEGACY: `fyh_legacy_${tag}`,
    PASSWORD: { owner: password(), runtime: password(), legacy: password() },
    ADMIN_KEY: `test-admin-${randomBytes(16).toString('hex')}`,

    async database(): Promise<TestDatabase> {
      const db = await createTestDatabase();
      databases.push(db);
      return db;
    },
    ownerUrl: (db: TestDatabase) => urlAs(db, f.OWNER, f.PASSWORD.owner),
    runtimeUrl: (db: TestDatabase) => urlAs(db, f.RUNTIME, f.PASSWORD.runtime),
    bothRoles: (db: TestDatabase) => ({ DATABASE_URL: f.runtimeUrl(db), DATABASE_OWNER_URL: f.ownerUrl(db) }),

    /** Runs docker-compose's init script on `db`, as the postgres image would on its first start. */
    async createRoles(db: TestDatabase): Promise<void> {
      await run('sh', [INIT_SCRIPT], {
        env: {
          ...superuserEnv(db),
          HUB_DB_OWNER: f.OWNER,
          HUB_DB_OWNER_PASSWORD: f.PASSWORD.owner,
          HUB_DB_USER: f.RUNTIME,
          HUB_DB_PASSWORD: f.PASSWORD.runtime,
        },
      });
    },

    async start(env: Record<string, string>, log?: Logger): Promise<Hub> {
      const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', HUB_ADMIN_KEY: f.ADMIN_KEY, AUDIT_KEY: TEST_AUDIT_KEY, ...env });
      const hub = await startHub(config, log ?? createLogger(process.env.LOG_LEVEL ?? 'silent'));
      hubs.push(hub);
      return hub;
    },

    async stop(hub: Hub): Promise<void> {
      await hub.stop();
      hubs.splice(hubs.indexOf(hub), 1);
    },

    async cleanup(): Promise<void> {
      for (const hub of [...hubs]) await hub.stop().catch(() => undefined);
      for (const db of databases) await db.drop().catch(() => undefined);
      if (!serverUrl()) return;
      const admin = new Client({ connectionString: serverUrl() });
      await admin.connect();
      try {
        for (const role of [f.RUNTIME, f.OWNER, f.LEGACY]) await admin.query(`drop role if exists "${role}"`);
      } finally {
        await admin.end();
      }
    },
  };
  return f;
}

/** Runs `statement` as whoever `url` names, in a transaction rolled back; the error code, or undefined when it ran. */
export async function attempt(url: string, statement: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    try {
      await client.query(statement);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    } finally {
      await client.query('rollback');
    }
  } finally {
    await client.end();
  }
}

/** The hub's tables in schema public. */
export async function tables(db: TestDatabase): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    db.url,
    `select relname::text as name from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') order by 1`,
  );
  return rows.map((row) => row.name);
}

/** What `role` may do on each table, as PostgreSQL says. */
export async function privileges(db: TestDatabase, role: string): Promise<Record<string, string[]>> {
  const rows = await sql<{ name: string; granted: string[] }>(
    db.url,
    `select c.relname::text as name, array(select p from unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
       where has_table_privilege($1, c.oid, p)) as granted
     from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') order by 1`,
    [role],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.granted]));
}

/** What `role` owns in `db` (anything at all but its temporary tables), one line per object. */
export async function owned(db: TestDatabase, role: string): Promise<string[]> {
  const rows = await sql<{ what: string }>(
    db.url,
    `with r as (select oid from pg_roles where rolname = $1)
     select 'relation ' || c.relname as what from pg_class c join pg_namespace n on n.oid = c.relnamespace, r
       where c.relowner = r.oid and n.nspname !~ '^pg_(toast_)?temp_'
     union all select 'schema ' || nspname from pg_namespace, r where nspowner = r.oid
     union all select 'function ' || proname from pg_proc, r where proowner = r.oid
     union all select 'type ' || t.typname from pg_type t join pg_namespace n on n.oid = t.typnamespace, r
       where t.typowner = r.oid and n.nspname !~ '^pg_(toast_)?temp_'
     union all select 'database ' || datname from pg_database, r where datdba = r.oid and datname = current_database()
     union all select 'extension ' || extname from pg_extension, r where extowner = r.oid
     union all select 'default privileges' from pg_default_acl, r where defaclrole = r.oid`,
    [role],
  );
  return rows.map((row) => row.what);
}
