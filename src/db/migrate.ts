/**
 * The migration runner: migrations in migrations/ are the only way the database schema changes. With two roles
 * (DATABASE_OWNER_URL), the owner runs them and, in the same transaction, grants the runtime role its privileges
 * (src/db/runtime-grants.ts) after every run, so the runtime role never has more nor less than those grants.
 */
import type { Orm } from './orm';
import { RUNTIME_ROLE_SETTING, runtimeRoleGrants } from './runtime-grants';

/**
 * Applies pending migrations in one transaction; returns the names applied. `runtimeRole`: the runtime role,
 * when `orm` connects as the owner and another role serves the hub.
 */
export async function applyMigrations(orm: Orm, runtimeRole?: string): Promise<string[]> {
  if (!runtimeRole) {
    const applied = await orm.getMigrator().up();
    return applied.map((migration) => migration.name);
  }
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
