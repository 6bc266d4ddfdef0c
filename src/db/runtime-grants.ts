/**
 * What the runtime role (DATABASE_URL's, when DATABASE_OWNER_URL names the owner) may do, as the statements the
 * owner runs to grant it: read and write every table of schema public, except the audit trail (read and append
 * only: never UPDATE, DELETE or TRUNCATE) and the migration history (read only); and the same on every table the
 * owner creates later, by default privileges. It is granted nothing else (no TRUNCATE, REFERENCES or TRIGGER, no
 * CREATE) and owns nothing, so it cannot alter, drop or disable the trigger of any table. Every statement is
 * idempotent: the migration runner runs them after every migration run with two roles (see src/db/migrate.ts), so
 * a table a later migration re-creates gets the same narrow grants back.
 */

/** The transaction-local setting through which the migration runner tells migration …0500 the runtime role. */
export const RUNTIME_ROLE_SETTING = 'fyh.runtime_role';

/** Tables the runtime role reads and appends to but never changes: the audit trail. */
export const APPEND_ONLY_TABLES = ['audit_record'];
/** Tables the runtime role only reads: the migration history (readiness asks whether a migration is pending). */
export const READ_ONLY_TABLES = ['mikro_orm_migrations'];

/** `name` as an SQL identifier, quoted. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The statements that give `runtimeRole` its privileges, run by the owner (the role that creates the tables). */
export function runtimeRoleGrants(runtimeRole: string): string[] {
  const to = quoteIdentifier(runtimeRole);
  return [
    `grant usage on schema public to ${to}`,
    `grant select, insert, update, delete on all tables in schema public to ${to}`,
    `grant usage, select on all sequences in schema public to ${to}`,
    // Tables the owner creates later get the same, with no grant of their own (any migration, any engineer).
    `alter default privileges for role current_user in schema public grant select, insert, update, delete on tables to ${to}`,
    `alter default privileges for role current_user in schema public grant usage, select on sequences to ${to}`,
    // The narrow tables last, so that they end narrow whatever the grants above (or a re-created table) gave them.
    ...APPEND_ONLY_TABLES.flatMap((table) => [
      `revoke all on table ${quoteIdentifier(table)} from ${to}`,
      `grant select, insert on table ${quoteIdentifier(table)} to ${to}`,
    ]),
    ...READ_ONLY_TABLES.flatMap((table) => [
      `revoke all on table ${quoteIdentifier(table)} from ${to}`,
      `grant select on table ${quoteIdentifier(table)} to ${to}`,
    ]),
  ];
}
