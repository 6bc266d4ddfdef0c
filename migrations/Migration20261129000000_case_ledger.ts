import { Migration } from '@mikro-orm/migrations';

/** The ledger of major and sensitive bankruptcy cases: cases, their numbers, stage history and progress entries. */
export class Migration20261129000000_case_ledger extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "bankruptcy_case" ("id" uuid not null, "court_unit_id" uuid not null, "debtor_uscc" varchar(18) not null, "debtor_name" text not null, "region_code" varchar(6) not null, "procedure" text not null, "stage" text not null, "stage_on" date not null, "applied_on" date null, "accepted_on" date null, "administrator" text null, "major" boolean not null, "sensitive" boolean not null, "employees_affected" int null, "wages_owed" numeric(18,2) null, "debts" numeric(18,2) null, "assets" numeric(18,2) null, "creditors" int null, "petition_risk" smallint null, "public_opinion_risk" smallint null, "social_stability_risk" smallint null, "risk_level" smallint null, "handling_plan" text null, "classification" text not null, "shared_unit_codes" text[] not null, "shared_kinds" text[] not null, "version" int not null, "registered_by_unit_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "bankruptcy_case_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "bankruptcy_case_court_unit_id_index" on "bankruptcy_case" ("court_unit_id");`);
    this.addSql(`create index "bankruptcy_case_debtor_uscc_index" on "bankruptcy_case" ("debtor_uscc");`);
    this.addSql(`create index "bankruptcy_case_region_prefix" on "bankruptcy_case" ("region_code" text_pattern_ops);`);
    this.addSql(`create index "bankruptcy_case_updated" on "bankruptcy_case" ("updated_at", "id");`);

    this.addSql(
      `create table "case_stage_change" ("case_id" uuid not null, "version" int not null, "from_stage" text null, "to_stage" text not null, "from_procedure" text null, "to_procedure" text not null, "on" date not null, "note" text null, "actor_unit_id" uuid not null, "occurred_at" timestamptz not null, constraint "case_stage_change_pkey" primary key ("case_id", "version"));`,
    );

    this.addSql(
      `create table "case_progress" ("id" uuid not null, "case_id" uuid not null, "kind" text not null, "occurred_on" date not null, "summary" text not null, "amount" numeric(18,2) null, "claim_type" text null, "asset_type" text null, "risk_level" smallint null, "addressed_to" text[] not null, "in_reply_to" uuid null, "details" jsonb not null, "unit_id" uuid not null, "credential_id" uuid null, "idempotency_key" text null, "payload_hash" text null, "recorded_at" timestamptz not null, constraint "case_progress_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "case_progress_timeline" on "case_progress" ("case_id", "occurred_on", "recorded_at", "id");`);
    this.addSql(`alter table "case_progress" add constraint "case_progress_idempotency" unique ("unit_id", "idempotency_key");`);

    this.addSql(
      `create table "case_number" ("number" text not null, "case_id" uuid not null, "type_code" text not null, "added_at" timestamptz not null, constraint "case_number_pkey" primary key ("number"));`,
    );
    this.addSql(`create index "case_number_case_id_index" on "case_number" ("case_id");`);

    this.addSql(
      `alter table "bankruptcy_case" add constraint "bankruptcy_case_court_unit_id_foreign" foreign key ("court_unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "bankruptcy_case" add constraint "bankruptcy_case_debtor_uscc_foreign" foreign key ("debtor_uscc") references "enterprise" ("uscc") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "bankruptcy_case" add constraint "bankruptcy_case_registered_by_unit_id_foreign" foreign key ("registered_by_unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "case_stage_change" add constraint "case_stage_change_case_id_foreign" foreign key ("case_id") references "bankruptcy_case" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "case_stage_change" add constraint "case_stage_change_actor_unit_id_foreign" foreign key ("actor_unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "case_progress" add constraint "case_progress_case_id_foreign" foreign key ("case_id") references "bankruptcy_case" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "case_progress" add constraint "case_progress_in_reply_to_foreign" foreign key ("in_reply_to") references "case_progress" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "case_progress" add constraint "case_progress_unit_id_foreign" foreign key ("unit_id") references "unit" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "case_number" add constraint "case_number_case_id_foreign" foreign key ("case_id") references "bankruptcy_case" ("id") on update cascade on delete restrict;`,
    );
  }
}
