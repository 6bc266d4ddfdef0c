/**
 * The SQL of the case ledger's writes (the module's queries for case.service; the reads' SQL is case-reads.ts): a
 * case inserted, moved, edited or touched, its numbers and the steps of its stage history, each history row
 * recording the change-log transaction it is written in. Each function is one statement in the caller's transaction.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { TODAY_IN_ZONE_SQL } from '../../calendar-date';
import { pgArray } from '../../db/sql';
import type { CaseNumber } from './case-number';
import type { caseFieldValues } from './case-inputs';
import type { CaseRow, UnitRef } from './case.sql';

/** A case's monitoring points, flags, administrator and sharing, as checked (case-inputs.ts). */
export type CaseFieldValues = ReturnType<typeof caseFieldValues>;

/** A case to insert at version 1. */
export type NewCase = Pick<
  CaseRow,
  | 'id'
  | 'courtUnitId'
  | 'debtorUscc'
  | 'debtorName'
  | 'regionCode'
  | 'procedure'
  | 'stage'
  | 'stageOn'
  | 'appliedOn'
  | 'acceptedOn'
  | 'registeredByUnitId'
> & { fields: CaseFieldValues };

/**
 * The values of the editable columns in their order in the statements below: administrator, major, sensitive,
 * employees_affected, wages_owed, debts, assets, creditors, petition_risk, public_opinion_risk,
 * social_stability_risk, risk_level, handling_plan, classification, shared_unit_codes, shared_kinds.
 */
function fieldParams(f: CaseFieldValues): unknown[] {
  return [
    f.administrator,
    f.major,
    f.sensitive,
    f.employeesAffected,
    f.wagesOwed,
    f.debts,
    f.assets,
    f.creditors,
    f.petitionRisk,
    f.publicOpinionRisk,
    f.socialStabilityRisk,
    f.riskLevel,
    f.handlingPlan,
    f.classification,
    pgArray(f.sharedUnitCodes),
    pgArray(f.sharedKinds),
  ];
}

/** A step of the stage history. */
export interface StageStep {
  fromStage: string | null;
  fromProcedure: string | null;
  toStage: string;
  toProcedure: string;
  on: string;
  note: string | null;
}

/** Today's date in the time zone, by the database's clock. */
export async function todayIn(em: EntityManager, timeZone: string): Promise<string> {
  const [{ today }] = await em.execute<{ today: string }[]>(`select ${TODAY_IN_ZONE_SQL}::text as today`, [timeZone]);
  return today;
}

/** The unit with this code, and whether it is active. */
export async function unitByCode(em: EntityManager, code: string): Promise<(UnitRef & { active: boolean }) | undefined> {
  const [unit] = await em.execute<(UnitRef & { active: boolean })[]>('select id, code, name, kind, active from unit where code = ?', [code]);
  return unit;
}

/** Inserts the case at version 1, registered now by the unit `registeredByUnitId`. */
export async function insertCase(em: EntityManager, c: NewCase): Promise<void> {
  await em.execute(
    `insert into bankruptcy_case (id, court_unit_id, debtor_uscc, debtor_name, region_code, procedure, stage, stage_on,
             applied_on, accepted_on, administrator, major, sensitive, employees_affected, wages_owed, debts, assets, creditors,
             petition_risk, public_opinion_risk, social_stability_risk, risk_level, handling_plan, classification,
             shared_unit_codes, shared_kinds, version, registered_by_unit_id, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?::text[], 1, ?, now(), now())`,
    [
      c.id,
      c.courtUnitId,
      c.debtorUscc,
      c.debtorName,
      c.regionCode,
      c.procedure,
      c.stage,
      c.stageOn,
      c.appliedOn,
      c.acceptedOn,
      ...fieldParams(c.fields),
      c.registeredByUnitId,
    ],
  );
}

/** Moves the case to a stage (and procedure) on a day; ACCEPTED also sets the day of acceptance, when none is set. */
export async function moveCaseStage(em: EntityManager, caseId: string, to: { stage: string; procedure: string }, on: string): Promise<void> {
  await em.execute(
    `update bankruptcy_case set stage = ?, procedure = ?, stage_on = ?,
             accepted_on = case when ? = 'ACCEPTED' then coalesce(accepted_on, ?::date) else accepted_on end,
             version = version + 1, updated_at = now()
           where id = ?`,
    [to.stage, to.procedure, on, to.stage, on, caseId],
  );
}

/** Writes the case's editable fields and its debtor's name, as a new version. */
export async function updateCaseFields(em: EntityManager, caseId: string, next: CaseFieldValues & { debtorName: string }): Promise<void> {
  await em.execute(
    `update bankruptcy_case set debtor_name = ?, administrator = ?, major = ?, sensitive = ?, employees_affected = ?,
           wages_owed = ?, debts = ?, assets = ?, creditors = ?, petition_risk = ?, public_opinion_risk = ?,
           social_stability_risk = ?, risk_level = ?, handling_plan = ?, classification = ?, shared_unit_codes = ?::text[],
           shared_kinds = ?::text[], version = version + 1, updated_at = now()
         where id = ?`,
    [next.debtorName, ...fieldParams(next), caseId],
  );
}

/** Marks the case updated now, its version unchanged (a number added). */
export async function touchCase(em: EntityManager, caseId: string): Promise<void> {
  await em.execute('update bankruptcy_case set updated_at = now() where id = ?', [caseId]);
}

/** Whether any case carries the number. */
export async function numberOnLedger(em: EntityManager, number: CaseNumber): Promise<boolean> {
  const [taken] = await em.execute('select 1 from case_number where number = ?', [number.canonical]);
  return !!taken;
}

/** Adds a number to the case; `txId`: the change-log transaction it is added in. */
export async function insertNumber(em: EntityManager, txId: string, caseId: string, number: CaseNumber): Promise<void> {
  await em.execute('insert into case_number (number, case_id, type_code, added_at, change_tx_id) values (?, ?, ?, clock_timestamp(), ?)', [
    number.canonical,
    caseId,
    number.typeCode,
    txId,
  ]);
}

/** A step of the stage history, made by the actor's unit; `txId`: the change-log transaction it is made in. */
export async function insertStageChange(
  em: EntityManager,
  actorUnitId: string,
  txId: string,
  caseId: string,
  version: number,
  change: StageStep,
): Promise<void> {
  const { fromStage, toStage, fromProcedure, toProcedure, on, note } = change;
  await em.execute(
    `insert into case_stage_change (case_id, version, from_stage, to_stage, from_procedure, to_procedure, "on", note, actor_unit_id, occurred_at,
         change_tx_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)`,
    [caseId, version, fromStage, toStage, fromProcedure, toProcedure, on, note, actorUnitId, txId],
  );
}
