/**
 * SQL of the case ledger shared by the read path and the change log: the columns of a {@link CaseRow} and a
 * {@link ProgressRow}, and the JSON a change-log row carries (the case as it was right after the change).
 */
import { isoTime } from '../../db/sql';

/** A case as read from the database, with every number it carries (oldest first). */
export interface CaseRow {
  id: string;
  caseNumbers: string[];
  courtUnitId: string;
  debtorUscc: string;
  debtorName: string;
  regionCode: string;
  procedure: string;
  stage: string;
  stageOn: string;
  appliedOn: string | null;
  acceptedOn: string | null;
  administrator: string | null;
  major: boolean;
  sensitive: boolean;
  employeesAffected: number | null;
  wagesOwed: string | null;
  debts: string | null;
  assets: string | null;
  creditors: number | null;
  petitionRisk: number | null;
  publicOpinionRisk: number | null;
  socialStabilityRisk: number | null;
  riskLevel: number | null;
  handlingPlan: string | null;
  classification: string;
  sharedUnitCodes: string[];
  sharedKinds: string[];
  version: number;
  registeredByUnitId: string;
  registeredAt: Date;
  updatedAt: Date;
}

/** The select list of a {@link CaseRow} from `bankruptcy_case` aliased `c`. */
export const CASE_COLUMNS = `c.id,
  array(select n.number from case_number n where n.case_id = c.id order by n.added_at, n.number) as "caseNumbers",
  c.court_unit_id as "courtUnitId", c.debtor_uscc as "debtorUscc", c.debtor_name as "debtorName",
  c.region_code as "regionCode", c.procedure, c.stage, c.stage_on::text as "stageOn", c.applied_on::text as "appliedOn",
  c.accepted_on::text as "acceptedOn", c.administrator, c.major, c.sensitive, c.employees_affected as "employeesAffected",
  c.wages_owed::text as "wagesOwed", c.debts::text as debts, c.assets::text as assets, c.creditors,
  c.petition_risk as "petitionRisk", c.public_opinion_risk as "publicOpinionRisk",
  c.social_stability_risk as "socialStabilityRisk", c.risk_level as "riskLevel", c.handling_plan as "handlingPlan",
  c.classification, c.shared_unit_codes as "sharedUnitCodes", c.shared_kinds as "sharedKinds", c.version,
  c.registered_by_unit_id as "registeredByUnitId", ${isoTime('c.created_at')} as "registeredAt",
  ${isoTime('c.updated_at')} as "updatedAt"`;

/** A raw row selected with {@link CASE_COLUMNS}, its times as Dates. */
export function caseRow(raw: Record<string, unknown>): CaseRow {
  return {
    ...(raw as unknown as CaseRow),
    registeredAt: new Date(raw.registeredAt as string),
    updatedAt: new Date(raw.updatedAt as string),
  };
}

/** A progress entry as read from the database. */
export interface ProgressRow {
  id: string;
  caseId: string;
  kind: string;
  occurredOn: string;
  summary: string;
  amount: string | null;
  claimType: string | null;
  assetType: string | null;
  riskLevel: number | null;
  addressedTo: string[];
  inReplyTo: string | null;
  details: Record<string, unknown>;
  unitId: string;
  recordedAt: Date;
}

/** The select list of a {@link ProgressRow} from `case_progress` aliased `p`. */
export const PROGRESS_COLUMNS = `p.id, p.case_id as "caseId", p.kind, p.occurred_on::text as "occurredOn", p.summary,
  p.amount::text as amount, p.claim_type as "claimType", p.asset_type as "assetType", p.risk_level as "riskLevel",
  p.addressed_to as "addressedTo", p.in_reply_to as "inReplyTo", p.details, p.unit_id as "unitId",
  ${isoTime('p.recorded_at')} as "recordedAt"`;

export function progressRow(raw: Record<string, unknown>): ProgressRow {
  return { ...(raw as unknown as ProgressRow), recordedAt: new Date(raw.recordedAt as string) };
}

/** The unit fields a change-log payload names a court or an acting unit by. */
export interface UnitRef {
  id: string;
  code: string;
  name: string;
  kind: string;
}

/** The case as a change-log payload: every field of the case, its court by code and name. */
export function casePayload(row: CaseRow, court: UnitRef): Record<string, unknown> {
  const { courtUnitId: _court, ...fields } = row;
  return { ...fields, court, registeredAt: row.registeredAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** A progress entry as a change-log payload. */
export function progressPayload(row: ProgressRow, unit: UnitRef): Record<string, unknown> {
  const { unitId: _unit, ...fields } = row;
  return { ...fields, unit, recordedAt: row.recordedAt.toISOString() };
}

/** The case a {@link casePayload} holds, as a row (for the change feed). */
export function caseRowFromPayload(payload: Record<string, any>): CaseRow {
  const { court, ...fields } = payload;
  return {
    ...(fields as unknown as CaseRow),
    courtUnitId: court.id,
    registeredByUnitId: payload.registeredByUnitId ?? court.id,
    registeredAt: new Date(payload.registeredAt),
    updatedAt: new Date(payload.updatedAt),
  };
}

/** The progress entry a {@link progressPayload} holds, as a row (for the change feed). */
export function progressRowFromPayload(payload: Record<string, any>): ProgressRow {
  const { unit, ...fields } = payload;
  return { ...(fields as unknown as ProgressRow), unitId: unit.id, recordedAt: new Date(payload.recordedAt) };
}
