import { Migration } from '@mikro-orm/migrations';

/** Member units, credentials, enterprises and the audit trail. */
export class Migration20261123000000_foundation extends Migration {
  override async up(): Promise<void> {
    // Name-fragment search on enterprises (ILIKE '%…%') uses a trigram index.
    this.addSql(`create extension if not exists pg_trgm;`);

    this.addSql(
      `create table "unit" ("id" uuid not null, "code" text not null, "name" text not null, "kind" text check ("kind" in ('COURT', 'PROCURATORATE', 'TAX', 'MARKET_REGULATION', 'PBOC', 'FINANCIAL_REGULATOR', 'INDUSTRY', 'HUMAN_RESOURCES', 'NATURAL_RESOURCES', 'HOUSING', 'PUBLIC_SECURITY', 'JUSTICE', 'CIVIL_AFFAIRS', 'PETITION', 'EMERGENCY', 'COMMERCE', 'OTHER')) not null, "region_code" varchar(6) not null, "is_office" boolean not null default false, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "unit_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "unit" add constraint "unit_code_unique" unique ("code");`);
    // Exactly one coordination office.
    this.addSql(`create unique index "unit_single_office" on "unit" ("is_office") where "is_office";`);

    this.addSql(
      `create table "credential" ("id" uuid not null, "unit_id" uuid not null, "key_hash" text not null, "key_hint" text not null, "label" text null, "roles" text[] not null, "expires_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "credential_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "credential" add constraint "credential_key_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "credential_unit_id_index" on "credential" ("unit_id");`);
    this.addSql(
      `alter table "credential" add constraint "credential_unit_id_foreign" foreign key ("unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `create table "enterprise" ("uscc" varchar(18) not null, "name" text not null, "region_code" varchar(6) not null, "industry" text null, "legal_representative" text null, "legal_representative_id_number" text null, "contact_phone" text null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "enterprise_pkey" primary key ("uscc"));`,
    );
    this.addSql(`create index "enterprise_name_trgm" on "enterprise" using gin ("name" gin_trgm_ops);`);
    this.addSql(`create index "enterprise_region_prefix" on "enterprise" ("region_code" text_pattern_ops);`);

    this.addSql(
      `create table "audit_record" ("id" bigserial primary key, "occurred_at" timestamptz not null, "actor_unit_id" uuid null, "actor_credential_id" uuid null, "action" text not null, "entity_type" text not null, "entity_id" text not null, "detail" jsonb not null, "prev_hash" text not null, "hash" text not null);`,
    );
    this.addSql(`alter table "audit_record" add constraint "audit_record_hash_unique" unique ("hash");`);
    // Append-only: the database itself refuses to change or remove an audit record.
    this.addSql(
      `create function "audit_record_append_only"() returns trigger language plpgsql as $$ begin raise exception 'audit_record is append-only'; end $$;`,
    );
    this.addSql(
      `create trigger "audit_record_append_only" before update or delete on "audit_record" for each statement execute function "audit_record_append_only"();`,
    );
    this.addSql(
      `create trigger "audit_record_no_truncate" before truncate on "audit_record" for each statement execute function "audit_record_append_only"();`,
    );
  }
}
