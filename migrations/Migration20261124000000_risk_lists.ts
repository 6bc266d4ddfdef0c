import { Migration } from '@mikro-orm/migrations';

/** The change log (commit-ordered) and the risky-enterprise lists: publications, entries, entry history. */
export class Migration20261124000000_risk_lists extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "change_log_counter" ("id" smallint not null, "value" bigint not null, constraint "change_log_counter_pkey" primary key ("id"));`,
    );
    this.addSql(`insert into "change_log_counter" ("id", "value") values (1, 0);`);
    this.addSql(
      `create table "change_commit" ("seq" bigint not null, "tx_id" uuid not null, "committed_at" timestamptz not null, "event_count" int not null, constraint "change_commit_pkey" primary key ("seq"));`,
    );
    this.addSql(`alter table "change_commit" add constraint "change_commit_tx_id_unique" unique ("tx_id");`);
    this.addSql(
      `create table "change_event" ("tx_id" uuid not null, "ordinal" int not null, "occurred_at" timestamptz not null, "topic" text not null, "kind" text not null, "entity_id" text not null, "actor_unit_id" uuid null, "actor_credential_id" uuid null, "classification" text not null, "owner_unit_id" uuid null, "shared_unit_codes" text[] not null, "shared_kinds" text[] not null, "list_type" text null, "risk_level" smallint null, "region_code" varchar(6) null, "uscc" varchar(18) null, "case_id" uuid null, "payload" json not null, constraint "change_event_pkey" primary key ("tx_id", "ordinal"));`,
    );
    this.addSql(`create index "change_event_case_id_index" on "change_event" ("case_id");`);

    this.addSql(
      `create table "risk_publication" ("id" uuid not null, "publisher_unit_id" uuid not null, "acting_unit_id" uuid not null, "credential_id" uuid null, "list_type" text not null, "mode" text not null, "period" text null, "idempotency_key" text not null, "payload_hash" text not null, "entry_count" int not null, "added" int not null, "updated" int not null, "withdrawn" int not null, "unchanged" int not null, "rejected" jsonb not null, "published_at" timestamptz not null default now(), constraint "risk_publication_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "risk_publication_list" on "risk_publication" ("publisher_unit_id", "list_type", "published_at");`);
    this.addSql(`alter table "risk_publication" add constraint "risk_publication_idempotency" unique ("acting_unit_id", "idempotency_key");`);

    this.addSql(
      `create table "risk_entry" ("id" uuid not null, "publisher_unit_id" uuid not null, "list_type" text not null, "uscc" varchar(18) not null, "enterprise_name" text not null, "region_code" varchar(6) not null, "risk_level" smallint not null, "categories" text[] not null, "amount" numeric(18,2) null, "effective_date" date null, "remarks" text null, "details" jsonb not null, "classification" text not null, "shared_unit_codes" text[] not null, "shared_kinds" text[] not null, "status" text not null, "content_hash" text not null, "version" int not null, "period" text null, "first_published_at" timestamptz not null, "published_at" timestamptz not null, "withdrawn_at" timestamptz null, "withdrawal_reason" text null, "publication_id" uuid null, constraint "risk_entry_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "risk_entry_uscc_index" on "risk_entry" ("uscc");`);
    this.addSql(`create index "risk_entry_region_prefix" on "risk_entry" ("region_code" text_pattern_ops);`);
    this.addSql(`create index "risk_entry_list_level" on "risk_entry" ("list_type", "risk_level", "published_at");`);
    this.addSql(`create index "risk_entry_newest" on "risk_entry" ("published_at", "id");`);
    // The change log of a publication selects the entries it wrote by publication_id.
    this.addSql(`create index "risk_entry_publication_id_index" on "risk_entry" ("publication_id");`);
    // At most one active entry per unit, list type and enterprise.
    this.addSql(`create unique index "risk_entry_one_active" on "risk_entry" ("publisher_unit_id", "list_type", "uscc") where "status" = 'ACTIVE';`);

    this.addSql(
      `create table "risk_entry_version" ("entry_id" uuid not null, "version" int not null, "enterprise_name" text not null, "region_code" varchar(6) not null, "risk_level" smallint not null, "categories" text[] not null, "amount" numeric(18,2) null, "effective_date" date null, "remarks" text null, "details" jsonb not null, "classification" text not null, "shared_unit_codes" text[] not null, "shared_kinds" text[] not null, "period" text null, "published_at" timestamptz not null, "superseded_at" timestamptz not null, "publication_id" uuid null, constraint "risk_entry_version_pkey" primary key ("entry_id", "version"));`,
    );

    this.addSql(
      `alter table "risk_publication" add constraint "risk_publication_publisher_unit_id_foreign" foreign key ("publisher_unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "risk_publication" add constraint "risk_publication_acting_unit_id_foreign" foreign key ("acting_unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "risk_entry" add constraint "risk_entry_publisher_unit_id_foreign" foreign key ("publisher_unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "risk_entry" add constraint "risk_entry_uscc_foreign" foreign key ("uscc") references "enterprise" ("uscc") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "risk_entry_version" add constraint "risk_entry_version_entry_id_foreign" foreign key ("entry_id") references "risk_entry" ("id") on update cascade on delete cascade;`,
    );
  }
}
