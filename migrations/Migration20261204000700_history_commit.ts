import { Migration } from '@mikro-orm/migrations';

/**
 * Every history row records the change-log commit it was written in, so that a state can later be read as of a
 * cursor: `change_tx_id`, the `tx_id` of its transaction's change_commit row (and of the change_event rows that
 * transaction wrote). It is the transaction's id in the change log (ChangeLogWriter.txId), known before the
 * transaction writes anything; the commit number (change_commit.seq) is taken only as its last statement (DESIGN.md
 * invariant 3), so the rows cannot carry that: join change_commit on tx_id for it. No foreign key: the commit row is
 * written after them, as for change_event. The writers fill it in from now on (risk-publication.service,
 * case.service, case-progress.service), on
 *
 * - `risk_entry_version`: the transaction that replaced the version by the next one (whose UPDATED change carries
 *   the next version); the version itself was written by the previous row's transaction, or the entry's creation;
 * - `case_stage_change`: the registration (version 1, change CREATED) or the stage move (STAGE_CHANGED);
 * - `case_number`: the registration, stage move or addCaseNumber that added the number;
 * - `case_progress`: the addCaseProgress that added the entry (PROGRESS_ADDED).
 *
 * Existing rows are backfilled from the committed changes of the log, where one matches: a version row from the
 * entry's UPDATED change that carries the next version, a stage step from the case's change of its version (CREATED
 * for version 1, STAGE_CHANGED after), a number from the case's first change whose payload lists it, a progress
 * entry from its PROGRESS_ADDED change. Rows no committed change matches (none is known to exist: every write of
 * these rows has appended its change in the same transaction since the tables were made) keep null.
 */
export class Migration20261204000700_history_commit extends Migration {
  override async up(): Promise<void> {
    for (const table of ['risk_entry_version', 'case_stage_change', 'case_number', 'case_progress']) {
      this.addSql(`alter table "${table}" add column "change_tx_id" uuid null;`);
    }
    this.addSql(`
      update risk_entry_version v set change_tx_id = e.tx_id
      from change_event e join change_commit c on c.tx_id = e.tx_id
      where e.topic = 'RISK_ENTRY' and e.kind = 'UPDATED' and e.entity_id = v.entry_id::text
        and (e.payload ->> 'version')::int = v.version + 1;`);
    this.addSql(`
      update case_stage_change s set change_tx_id = e.tx_id
      from change_event e join change_commit c on c.tx_id = e.tx_id
      where e.topic = 'CASE' and e.kind = (case when s.version = 1 then 'CREATED' else 'STAGE_CHANGED' end)
        and e.entity_id = s.case_id::text and (e.payload ->> 'version')::int = s.version;`);
    this.addSql(`
      update case_number n set change_tx_id = added.tx_id
      from (
        select distinct on (k.number) k.number, e.tx_id
        from case_number k
        join change_event e on e.topic = 'CASE' and e.entity_id = k.case_id::text
        join change_commit c on c.tx_id = e.tx_id
        where exists (
          select 1 from json_array_elements_text(case when json_typeof(e.payload -> 'caseNumbers') = 'array' then e.payload -> 'caseNumbers' else '[]'::json end) listed (number)
          where listed.number = k.number)
        order by k.number, c.seq, e.ordinal
      ) added
      where added.number = n.number;`);
    this.addSql(`
      update case_progress p set change_tx_id = e.tx_id
      from change_event e join change_commit c on c.tx_id = e.tx_id
      where e.topic = 'CASE_PROGRESS' and e.kind = 'PROGRESS_ADDED' and e.entity_id = p.id::text;`);
  }
}
