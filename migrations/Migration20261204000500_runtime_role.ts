import { Migration } from '@mikro-orm/migrations';
import { RUNTIME_ROLE_SETTING, runtimeRoleGrants } from '../src/db/runtime-grants';

/**
 * The runtime role's privileges (src/db/runtime-grants.ts): with DATABASE_OWNER_URL beside DATABASE_URL, the
 * migration runner names the runtime role in the transaction-local setting fyh.runtime_role, and this migration,
 * run by the owner, grants it what it needs on every table so far (those of the migrations before it, whoever
 * wrote them) and, by default privileges, on every table the owner creates later. With one role (no setting, or
 * the setting naming the migrating role itself) it does nothing. The runner re-runs the same grants after every
 * later migration run (a database migrated with one role and later given two; a re-created audit table).
 */
export class Migration20261204000500_runtime_role extends Migration {
  override async up(): Promise<void> {
    const [row] = await this.execute(`select current_setting('${RUNTIME_ROLE_SETTING}', true) as "runtime", current_user as "migrator"`);
    const runtime = row?.runtime as string | null | undefined;
    if (!runtime || runtime === row?.migrator) return;
    for (const statement of runtimeRoleGrants(runtime)) this.addSql(statement);
  }
}
