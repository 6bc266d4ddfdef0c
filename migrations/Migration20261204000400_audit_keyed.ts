import { Migration } from '@mikro-orm/migrations';

/**
 * The keyed audit chain (issue 10, item 8): each new record names the key of its HMAC link; records written
 * before keep their unkeyed SHA-256 links (key_id null), and the first keyed one links to the last of them.
 * Indexes for the office's auditTrail filters (entity, acting unit, action, time), and for the start-up's check of
 * each key against its newest record. The append-only triggers stay.
 */
export class Migration20261204000400_audit_keyed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_record" add column "key_id" text null;`);
    this.addSql(`create index "audit_record_entity" on "audit_record" ("entity_type", "entity_id", "id");`);
    this.addSql(`create index "audit_record_actor" on "audit_record" ("actor_unit_id", "id");`);
    this.addSql(`create index "audit_record_action" on "audit_record" ("action", "id");`);
    this.addSql(`create index "audit_record_occurred_at" on "audit_record" ("occurred_at");`);
    this.addSql(`create index "audit_record_key" on "audit_record" ("key_id", "id");`);
  }
}
