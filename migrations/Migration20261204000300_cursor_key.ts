import { Migration } from '@mikro-orm/migrations';

/**
 * The key that seals change-feed cursors (src/change-log/cursor.ts), made once here and kept in the database so that
 * every instance and every restart seal alike. It is drawn by PostgreSQL (three gen_random_uuid(), 366 random bits,
 * hashed to 32 bytes), so it appears in no migration file and no log. Beside it, the last commit number of the log
 * at this upgrade: cursors of the old clear form are read only up to it, since the hub never issued one beyond it.
 * Migrations run under the start-up lock: several instances starting at once make one key.
 */
export class Migration20261204000300_cursor_key extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "hub_secret" ("name" text not null, "value" text not null, "created_at" timestamptz not null, constraint "hub_secret_pkey" primary key ("name"));`,
    );
    this.addSql(`insert into "hub_secret" ("name", "value", "created_at")
      values ('change-cursor-key', encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'base64'), now());`);
    this.addSql(`insert into "hub_secret" ("name", "value", "created_at")
      select 'change-cursor-legacy-limit', coalesce(max("seq"), 0)::text, now() from "change_commit";`);
  }
}
