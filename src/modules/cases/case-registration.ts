/**
 * The rules of a registration: the court it names (the caller's own COURT unit, or for the office the active COURT
 * unit it names), the stages a procedure is registered at, the number it needs, the debtor's name and region, the
 * days given and, once the transaction knows today, the day its stage began. A refused registration writes nothing.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { UnitKind } from '../../access/unit-kind';
import { badInput, forbidden } from '../../errors';
import { requiredText, ruleValue } from '../../input';
import { parseRegionCode } from '../../region';
import { parseUnitCode } from '../../unit-code';
import type { CaseNumber } from './case-number';
import { checkDateOrder, ledgerNumber, NAME_MAX, type RegisterCaseInput } from './case-inputs';
import { CaseProcedure, CaseStage, registrableStages } from './case-stage';
import { unitByCode } from './case.queries';
import type { UnitRef } from './case.sql';

/** A registration's checked values. */
export interface Registration {
  procedure: CaseProcedure;
  stage: CaseStage;
  number: CaseNumber | null;
  debtorName: string;
  /** The region given, or null: the enterprise's (enterprises/enterprise.service.ts namedByRow). */
  regionCode: string | null;
}

/** The court a registration names: the caller's own unit, or for the office the COURT unit it names. */
export async function courtOf(em: EntityManager, principal: Principal, code: string | null | undefined): Promise<UnitRef> {
  if (code == null || code.trim().toUpperCase() === principal.unit.code) {
    if (principal.unit.kind !== UnitKind.COURT) {
      throw badInput('court: the office names the court that hears the case (a unit code)', { field: 'court', rule: 'required' });
    }
    return principal.unit;
  }
  if (!itemRules.actForUnit(principal, { code: code.trim().toUpperCase() })) {
    throw forbidden('a court registers its own cases; only the coordination office names another court');
  }
  const parsed = parseUnitCode(code);
  const unit = parsed.ok ? await unitByCode(em, parsed.value) : undefined;
  if (!unit) throw badInput(`court: no unit with code ${code}`, { field: 'court', rule: 'unit' });
  if (unit.kind !== UnitKind.COURT) throw badInput(`court: ${unit.code} is a ${unit.kind} unit, not a COURT`, { field: 'court', rule: 'kind' });
  if (!unit.active) throw badInput(`court: unit ${unit.code} is deactivated`, { field: 'court', rule: 'active' });
  return unit;
}

/** Checks what a registration may be decided on before its transaction. */
export function checkRegistration(input: RegisterCaseInput): Registration {
  const procedure = input.procedure;
  const stage = input.stage ?? CaseStage.APPLIED;
  const stages = registrableStages(procedure);
  if (!stages.includes(stage)) {
    throw badInput(`a ${procedure} case is registered at one of ${stages.join(', ')}, not ${stage}`, { field: 'stage', rule: 'stage' });
  }
  const number = input.caseNumber == null ? null : ledgerNumber(input.caseNumber, procedure, stage, 'caseNumber');
  if (!number && procedure !== CaseProcedure.PRE_REORGANIZATION) {
    throw badInput('caseNumber is required: only a PRE_REORGANIZATION may have none yet', { field: 'caseNumber', rule: 'required' });
  }
  const debtorName = requiredText(input.debtorName, 'debtorName', NAME_MAX);
  const regionCode = input.regionCode?.trim() ? ruleValue(parseRegionCode(input.regionCode), 'regionCode') : null;
  if (input.acceptedOn && (stage === CaseStage.APPLIED || procedure === CaseProcedure.PRE_REORGANIZATION)) {
    throw badInput(`acceptedOn: a case at ${stage === CaseStage.APPLIED ? stage : procedure} has not been accepted`, {
      field: 'acceptedOn',
      rule: 'stage',
    });
  }
  checkDateOrder([
    ['appliedOn', input.appliedOn],
    ['acceptedOn', input.acceptedOn],
    ['stageOn', input.stageOn],
  ]);
  return { procedure, stage, number, debtorName, regionCode };
}

/**
 * The day the registered stage began: stageOn, else acceptedOn at ACCEPTED (appliedOn at APPLIED), else either,
 * else today; refused when it comes before a day given.
 */
export function registeredStageOn(input: RegisterCaseInput, stage: CaseStage, today: string): string {
  const stageOn = input.stageOn ?? (stage === CaseStage.APPLIED ? input.appliedOn : input.acceptedOn) ?? input.acceptedOn ?? input.appliedOn ?? today;
  checkDateOrder([
    ['appliedOn', input.appliedOn],
    ['acceptedOn', input.acceptedOn],
    ['stageOn', stageOn],
  ]);
  return stageOn;
}
