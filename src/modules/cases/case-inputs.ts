/**
 * What a write to the case ledger takes (register, advance, update) and the pure checks of it: the monitoring points
 * and flags with their defaults (a sensitive case is RESTRICTED unless told otherwise; an omitted field keeps its
 * value, null clears it), the dates in order, a number that fits the case. Nothing here reads the database.
 */
import { Classification } from '../../access/classification';
import { badInput } from '../../errors';
import { optionalText, ruleValue } from '../../input';
import type { RiskLevel } from '../../risk-level';
import { UnitKind } from '../../access/unit-kind';
import { checkNumberFitsCase, parseBankruptcyCaseNumber, type CaseNumber } from './case-number';
import { CaseProcedure, CaseStage, caseRiskLevel } from './case-stage';
import type { CaseRow } from './case.sql';

/** The monitoring points of source 000 (监测、评估重点内容), the flags and the administrator. */
export interface CaseFields {
  administrator?: string | null;
  major?: boolean | null;
  sensitive?: boolean | null;
  employeesAffected?: number | null;
  wagesOwed?: string | null;
  debts?: string | null;
  assets?: string | null;
  creditors?: number | null;
  petitionRisk?: RiskLevel | null;
  publicOpinionRisk?: RiskLevel | null;
  socialStabilityRisk?: RiskLevel | null;
  handlingPlan?: string | null;
  classification?: Classification | null;
  sharedWithUnits?: string[] | null;
  sharedWithKinds?: UnitKind[] | null;
}

export interface RegisterCaseInput extends CaseFields {
  /** Canonical already (the CaseNumber scalar); null only for a pre-reorganisation. */
  caseNumber?: string | null;
  /** The office only: the court's unit code. */
  court?: string | null;
  debtorUscc: string;
  debtorName: string;
  /** Where the debtor is; default: the known enterprise's region, else the USCC's division digits. */
  regionCode?: string | null;
  procedure: CaseProcedure;
  stage?: CaseStage | null;
  appliedOn?: string | null;
  acceptedOn?: string | null;
  /** The date the current stage began; default: acceptedOn at ACCEPTED, else appliedOn, else today. */
  stageOn?: string | null;
}

export interface AdvanceCaseStageInput {
  caseId: string;
  toStage: CaseStage;
  /** A conversion of the procedure the stage rules allow (e.g. LIQUIDATION into REORGANIZATION). */
  toProcedure?: CaseProcedure | null;
  expectedVersion: number;
  /** The date of the ruling or event. */
  on: string;
  note?: string | null;
  /** On acceptance: the proceeding's number (破), added to the case. */
  caseNumber?: string | null;
}

export interface UpdateCaseInput extends CaseFields {
  caseId: string;
  expectedVersion: number;
  debtorName?: string | null;
}

export const NAME_MAX = 200;
export const TEXT_MAX = 10_000;
export const NOTE_MAX = 2_000;

/**
 * The editable fields after an edit (`row` null: a registration), checked. `sharedUnitCodes` are the codes of
 * `sharedWithUnits` as {@link UnitService.sharedUnitCodes} resolved them before the transaction (undefined: not
 * given), so that no query runs outside the transaction while it is open.
 */
export function caseFieldValues(input: CaseFields, row: CaseRow | null, resolvedUnitCodes: string[] | undefined) {
  const keep = <T>(value: T | null | undefined, current: T | null, fallback: T | null): T | null =>
    value === undefined ? (row ? current : fallback) : (value ?? null);
  const count = (value: number | null | undefined, field: string, current: number | null) => {
    if (value != null && value < 0) throw badInput(`${field} must not be negative`, { field, rule: 'min' });
    return keep(value, current, null);
  };
  const administrator =
    input.administrator === undefined ? (row?.administrator ?? null) : (optionalText(input.administrator, 'administrator', NAME_MAX) ?? null);
  const handlingPlan =
    input.handlingPlan === undefined ? (row?.handlingPlan ?? null) : (optionalText(input.handlingPlan, 'handlingPlan', TEXT_MAX) ?? null);
  const major = input.major ?? row?.major ?? false;
  const sensitive = input.sensitive ?? row?.sensitive ?? false;
  // Sensitive cases are RESTRICTED by default: at registration, and when an edit marks a case sensitive without
  // saying otherwise. Unmarking never widens who may read it.
  const becameSensitive = sensitive && !(row?.sensitive ?? false);
  const classification =
    input.classification ??
    (becameSensitive ? Classification.RESTRICTED : ((row?.classification as Classification | undefined) ?? Classification.SHARED));
  const sharedUnitCodes = resolvedUnitCodes ?? row?.sharedUnitCodes ?? [];
  const sharedKinds = input.sharedWithKinds == null ? (row?.sharedKinds ?? []) : [...new Set(input.sharedWithKinds)].sort();
  const petitionRisk = keep<number>(input.petitionRisk, row?.petitionRisk ?? null, null);
  const publicOpinionRisk = keep<number>(input.publicOpinionRisk, row?.publicOpinionRisk ?? null, null);
  const socialStabilityRisk = keep<number>(input.socialStabilityRisk, row?.socialStabilityRisk ?? null, null);
  return {
    administrator,
    major,
    sensitive,
    employeesAffected: count(input.employeesAffected, 'employeesAffected', row?.employeesAffected ?? null),
    wagesOwed: keep(input.wagesOwed, row?.wagesOwed ?? null, null),
    debts: keep(input.debts, row?.debts ?? null, null),
    assets: keep(input.assets, row?.assets ?? null, null),
    creditors: count(input.creditors, 'creditors', row?.creditors ?? null),
    petitionRisk,
    publicOpinionRisk,
    socialStabilityRisk,
    riskLevel: caseRiskLevel([petitionRisk, publicOpinionRisk, socialStabilityRisk]),
    handlingPlan,
    classification,
    sharedUnitCodes,
    sharedKinds,
  };
}

/** A number for the ledger: a bankruptcy or compulsory-liquidation number that fits the case. */
export function ledgerNumber(input: string, procedure: CaseProcedure, stage: CaseStage, field: string, accepting = false): CaseNumber {
  const parsed = ruleValue(parseBankruptcyCaseNumber(input), field);
  return ruleValue(checkNumberFitsCase(parsed, procedure, stage, accepting), field);
}

/** Dates given in an order that cannot be (accepted before applied, a stage before either) are refused. */
export function checkDateOrder(dates: [string, string | null | undefined][]): void {
  const given = dates.filter((entry): entry is [string, string] => entry[1] != null);
  for (let i = 1; i < given.length; i++) {
    const [earlierField, earlier] = given[i - 1];
    const [field, value] = given[i];
    if (value < earlier) throw badInput(`${field} (${value}) is before ${earlierField} (${earlier})`, { field, rule: 'order' });
  }
}
