/**
 * Whose numbers a case number is (issue 10, item 6): every number that enters the ledger — on registration, on
 * acceptance (advanceCaseStage) and by addCaseNumber — carries the court code (法院代字) of the court that may
 * give it. A court registers and adds numbers with its own code (appeal and supervision numbers also with the
 * code of a court above it, see {@link checkNumberOfCourt}); the office registers numbers naming the court it
 * registers for, and adds any number. Checked before the number's uniqueness, so that a court learns nothing
 * (CONFLICT) about numbers that are not its own.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { badInput } from '../../errors';
import { ruleValue } from '../../input';
import { checkNumberOfCourt, type CaseNumber } from './case-number';

/** How the number enters the ledger: with a new case, or added to a case (on acceptance or by addCaseNumber). */
export type NumberEntry = 'register' | 'add';

/**
 * Refuses (BAD_USER_INPUT) a number the caller may not put on a case of the court `courtUnitId`: rule `courtCode`
 * when that court has no court code yet (the office sets it), rule `caseNumberCourt` when the number carries
 * another court's code. The court's row is locked (for share) until the transaction ends, so the office cannot
 * change the code between this check and the number's insert.
 */
export async function checkNumberCourt(
  em: EntityManager,
  principal: Principal,
  courtUnitId: string,
  number: CaseNumber,
  entry: NumberEntry,
): Promise<void> {
  if (entry === 'add' && itemRules.numberForAnyCourt(principal)) return;
  const [court] = await em.execute<{ code: string; court_code: string | null }[]>('select code, court_code from unit where id = ? for share', [
    courtUnitId,
  ]);
  if (!court.court_code) {
    throw badInput(
      `court: unit ${court.code} has no court code (法院代字) yet, so no number can be checked as its own: ask the coordination office to set it (updateUnit with courtCode)`,
      { field: 'court', rule: 'courtCode' },
    );
  }
  ruleValue(checkNumberOfCourt(number, court.court_code), 'caseNumber');
}
