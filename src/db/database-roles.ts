/**
 * Two database roles. DATABASE_OWNER_URL's owner runs the migrations (and, from the scale-out issue on, partition
 * maintenance) on a connection that lives only while it does so; DATABASE_URL's runtime role serves the hub and can
 * act as the owner of nothing. Before anything is migrated the pair is checked, and start-up stops with one line
 * when the runtime role is a superuser, may create roles, is or may become the owner (a member of it), owns
 * anything in the database, or when the owner does not own every table of the hub's schema (its grants would then
 * give nothing). With DATABASE_URL alone there is one role, which owns everything, and nothing here runs.
 */
import type { Logger } from 'pino';
import { ConfigError } from '../config';
import { applyMigrations } from './migrate';
import { openOrm, type Orm } from './orm';

/** Who migrates: the ORM to migrate with and, with two roles, the runtime role to grant to. */
export interface Migrator {
  orm: Orm;
  runtimeRole?: string;
}

/**
 * Runs `work` with the owner's ORM (closed afterwards) when `ownerUrl` is given and the roles pass
 * the checks, else with the runtime ORM itself. Callers hold the start-up lock.
 */
export async function withMigrator<T>(
  runtimeOrm: Orm,
  ownerUrl: string | undefined,
  log: Logger,
  work: (migrator: Migrator) => Promise<T>,
): Promise<T> {
  if (!ownerUrl) return work({ orm: runtimeOrm });
  const runtimeRole = await currentRole(runtimeOrm);
  // Two connections: the migrator checks its history table outside the transaction it migrates in.
  // The same entities as the runtime ORM's.
  const ownerOrm = await openOrm(ownerUrl, 2, runtimeOrm.config.get('entities'), log).catch((error: NodeJS.ErrnoException) => {
    if (error.code === '28P01' || error.code === '28000') throw new ConfigError('PostgreSQL refused the user or password in DATABASE_OWNER_URL');
    throw error;
  });
  try {
    const owner = await currentRole(ownerOrm);
    await checkRoles(ownerOrm, owner, runtimeRole, log);
    return await work({ orm: ownerOrm, runtimeRole });
  } finally {
    await ownerOrm.close(true);
  }
}

/**
 * Applies pending migrations as {@link withMigrator} says (`npm run migrate`); returns the names applied. `report`
 * hears the migrations' notes for the operator once they committed.
 */
export function migrateWithRoles(runtimeOrm: Orm, ownerUrl: string | undefined, log: Logger, report?: (note: string) => void): Promise<string[]> {
  return withMigrator(runtimeOrm, ownerUrl, log, ({ orm, runtimeRole }) => applyMigrations(orm, { runtimeRole, report }));
}

async function currentRole(orm: Orm): Promise<string> {
  const [row] = await orm.em.getConnection().execute<{ role: string }[]>('select current_user as "role"');
  return row.role;
}

interface RoleFacts {
  superuser: boolean;
  createrole: boolean;
  member_of_owner: boolean;
  owns: string | null;
  owns_database: boolean;
  may_create: boolean;
  foreign_table: string | null;
  foreign_owner: string | null;
}

/** Every check in one statement, run as the owner. */
const ROLE_FACTS = `
  select r.rolsuper as superuser, r.rolcreaterole as createrole,
    pg_has_role(r.oid, o.oid, 'MEMBER') as member_of_owner,
    (select c.relname::text from pg_class c where c.relowner = r.oid and c.relpersistence <> 't' limit 1) as owns,
    exists (select from pg_database d where d.datname = current_database() and pg_has_role(r.oid, d.datdba, 'MEMBER')) as owns_database,
    has_schema_privilege(r.oid, 'public', 'CREATE') as may_create,
    f.relname::text as foreign_table, f.owner::text as foreign_owner
  from pg_roles r
  join pg_roles o on o.rolname = current_user
  left join lateral (select c.relname, pg_get_userbyid(c.relowner) as owner from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'S', 'v', 'm') and not pg_has_role(o.oid, c.relowner, 'USAGE')
    limit 1) f on true
  where r.rolname = ?`;

async function checkRoles(ownerOrm: Orm, owner: string, runtime: string, log: Logger): Promise<void> {
  // The name goes into GRANT statements as a quoted identifier; knex would read a "?" in them as a placeholder.
  if (runtime.includes('?')) throw new ConfigError(`the runtime role's name ${runtime} contains "?": choose a name without it`);
  if (owner === runtime) {
    throw new ConfigError(
      `DATABASE_OWNER_URL and DATABASE_URL both connect as ${owner}: DATABASE_URL must name the runtime role (or leave DATABASE_OWNER_URL unset for one role)`,
    );
  }
  const [facts] = await ownerOrm.em.getConnection().execute<RoleFacts[]>(ROLE_FACTS, [runtime]);
  const refuse = (what: string) =>
    new ConfigError(
      `the runtime role ${runtime} of DATABASE_URL ${what}: the hub's runtime role must own nothing and be no superuser (README "Two database roles")`,
    );
  if (facts.superuser) throw refuse('is a superuser');
  if (facts.createrole) throw refuse('may create roles (CREATEROLE)');
  if (facts.member_of_owner) throw refuse(`is a member of the owner ${owner} (it could act as the owner)`);
  if (facts.owns_database) throw refuse('owns the database (and so its schema public)');
  if (facts.owns) throw refuse(`owns ${facts.owns}`);
  if (facts.foreign_table) {
    throw new ConfigError(
      `DATABASE_OWNER_URL's role ${owner} does not own ${facts.foreign_table} (owned by ${facts.foreign_owner}): the owner role must own every table of the hub (README "Two database roles")`,
    );
  }
  if (facts.may_create) {
    log.warn(
      { runtimeRole: runtime },
      `the runtime role may create tables in schema public (objects it would own): revoke it with "revoke create on schema public from public"`,
    );
  }
}
