/** The migration runner: migrations in migrations/ are the only way the database schema changes. */
import type { Orm } from './orm';

/** Applies pending migrations in one transaction; returns the names applied. */
export async function applyMigrations(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.map((migration) => migration.name);
}
