/** The migration runner: migrations in migrations/ are the only way the database schema changes. */
import { takeNotesForOperator } from './migration-notes';
import type { Orm } from './orm';

/**
 * Applies pending migrations in one transaction; returns the names applied. What the migrations say for the
 * operator (db/migration-notes) goes to `report` once they committed.
 */
export async function applyMigrations(orm: Orm, report: (note: string) => void = () => {}): Promise<string[]> {
  takeNotesForOperator(orm.config);
  let applied: string[];
  try {
    applied = (await orm.getMigrator().up()).map((migration) => migration.name);
  } catch (error) {
    takeNotesForOperator(orm.config);
    throw error;
  }
  for (const note of takeNotesForOperator(orm.config)) report(note);
  return applied;
}

/** Names of migrations not yet applied. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.map((migration) => migration.name);
}
