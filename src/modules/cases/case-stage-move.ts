/**
 * The rules of a stage move, checked before it writes: a move the procedure's stage rules allow (the refusal names
 * the moves allowed), on a day not before the current stage began, and a number only on acceptance, one that fits
 * the case. Whose number it is and whether it is taken are checked against the ledger afterwards (case.service).
 */
import { badInput, ErrorCode, HubError } from '../../errors';
import type { CaseNumber } from './case-number';
import { ledgerNumber, type AdvanceCaseStageInput } from './case-inputs';
import { allowedMoves, CaseProcedure, CaseStage, checkStageMove, describeMove, type StageMove } from './case-stage';
import type { CaseRow } from './case.sql';

/** Checks the move of the case `row` that `input` asks for: the stage and procedure after it, and the number it adds. */
export function checkAdvance(row: CaseRow, input: AdvanceCaseStageInput): { move: StageMove; number: CaseNumber | null } {
  const procedure = row.procedure as CaseProcedure;
  const move = checkStageMove(procedure, row.stage as CaseStage, input.toStage, input.toProcedure);
  if (!move.ok) {
    throw new HubError(ErrorCode.BAD_USER_INPUT, move.message, {
      field: move.rule === 'conversion' ? 'toProcedure' : 'toStage',
      rule: move.rule,
      allowedNextStages: allowedMoves(procedure, row.stage as CaseStage).map(describeMove),
    });
  }
  if (input.on < row.stageOn) {
    throw badInput(`on (${input.on}) is before the day the case reached ${row.stage} (${row.stageOn})`, { field: 'on', rule: 'order' });
  }
  if (input.caseNumber == null) return { move: move.value, number: null };
  if (move.value.stage !== CaseStage.ACCEPTED) {
    throw badInput('caseNumber: a stage move adds a number only on acceptance; use addCaseNumber otherwise', {
      field: 'caseNumber',
      rule: 'stage',
    });
  }
  return { move: move.value, number: ledgerNumber(input.caseNumber, move.value.procedure, move.value.stage, 'caseNumber', true) };
}
