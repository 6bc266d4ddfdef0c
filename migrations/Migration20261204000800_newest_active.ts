import { Migration } from '@mikro-orm/migrations';

/**
 * The newest active entries (issue 11): the busiest read, "the newest ACTIVE entries the caller may see", walked
 * the index of every entry by publication time and skipped the withdrawn ones (a third of a list, read to be
 * thrown away). The index is split along the status: `risk_entry_newest_active` holds the ACTIVE entries only,
 * `risk_entry_newest_ended` the rest, so each entry is still in exactly one index (a publication writes no more
 * than before) and a page of active entries reads no withdrawn row (only rows the visibility and level filters
 * may still leave out).
 */
export class Migration20261204000800_newest_active extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists "risk_entry_newest";`);
    this.addSql(`create index "risk_entry_newest_active" on "risk_entry" ("published_at", "id") where "status" = 'ACTIVE';`);
    this.addSql(`create index "risk_entry_newest_ended" on "risk_entry" ("published_at", "id") where "status" <> 'ACTIVE';`);
  }
}
