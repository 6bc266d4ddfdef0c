/**
 * The migration runner: migrations in migrations/ are the only way the database schema changes. With two roles
 * (DATABASE_OWNER_URL), the owner runs them and, in the same transaction, grants the runtime role its privileges
 * (src/db/runtime-grants.ts) after every run, so the runtime role never has more nor less than those grants. What
 * the migrations say for the operator (db/migration-notes.ts) is reported only once they committed.
 */
import { takeNotesForOperator } from './migration-notes';
import type { Orm } from './orm';
import { RUNTIME_ROLE_SETTING, runtimeRoleGrants } from './runtime-grants';

export interface MigrationOptions {
  /** The runtime role, when `orm` connects as the owner and another role serves the hub. */
  runtimeRole?: string;
  /** Hears each note of the migrations for the operator (e.g. how many records one corrected), after the commit. */
  report?: (note: string) => void;
}

/** Applies pending migrations in one transaction; returns the names applied. */
export async function applyMigrations(orm: Orm, { runtimeRole, report = () => {} }: MigrationOptions = {}): Promise<string[]> {
  takeNotesForOperator(orm.config);
  let applied: string[];
  try {
    applied = await migrate(orm, runtimeRole);
  } catch (error) {
    takeNotesForOperator(orm.config);
    throw error;
  }
  for (const note of takeNotesForOperator(orm.config)) report(note);
  return applied;
}

async function migrate(orm: Orm, runtimeRole: string | undefined): Promise<string[]> {
  if (!runtimeRole) return (await orm.getMigrator().up()).map((migration) => migration.name);
  const connection = orm.em.getConnection();
  return connection.transactional(async (trx) => {
    // Read by migration …0500 (and any later one that needs the name); gone with the transaction.
    await connection.execute('select set_config(?, ?, true)', [RUNTIME_ROLE_SETTING, runtimeRole], 'all', trx);
    const applied = await orm.getMigrator().up({ transaction: trx });
    for (const statement of runtimeRoleGrants(runtimeRole)) await connection.execute(statement, [], 'run', trx);
    return applied.map((migration) => migration.name);
  });
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.map((migration) => migration.name);
}
