/**
 * The case ledger (重大、敏感案件台账): registering cases, moving their stages, editing their monitoring points,
 * numbering them (the reads are case-reads.ts, which this builds on). Every write is one transaction that checks,
 * writes, appends the change (the case as it is right after it) and the audit record; `expectedVersion` turns a lost
 * update into CONFLICT. The rules of a registration are case-registration.ts, of a stage move case-stage-move.ts;
 * the statements are case.queries.ts.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Classification } from '../../access/classification';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { appendAudit } from '../../audit/audit.service';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../change-log/change-log';
import { conflict, forbidden } from '../../errors';
import { namedByRow } from '../enterprises/enterprise.service';
import { optionalText, requiredText } from '../../input';
import { UnitService } from '../units/unit.service';
import { type CaseNumber } from './case-number';
import { checkNumberCourt } from './case-number-court';
import { checkRegistration, courtOf, registeredStageOn } from './case-registration';
import { CaseProcedure, CaseStage } from './case-stage';
import { checkAdvance } from './case-stage-move';
import { CaseReads, caseSharing } from './case-reads';
import {
  caseFieldValues,
  ledgerNumber,
  NAME_MAX,
  NOTE_MAX,
  type AdvanceCaseStageInput,
  type CaseFields,
  type RegisterCaseInput,
  type UpdateCaseInput,
} from './case-inputs';
import { insertCase, insertNumber, insertStageChange, moveCaseStage, numberOnLedger, todayIn, touchCase, updateCaseFields } from './case.queries';
import { casePayload, type CaseRow } from './case.sql';

export class CaseService extends CaseReads {
  /** Puts a case on the ledger: a COURT unit for itself, the office naming the court; its number carries that court's code. */
  async register(principal: Principal, input: RegisterCaseInput): Promise<CaseRow> {
    authorize(principal, 'registerCases');
    const court = await courtOf(this.em, principal, input.court);
    const { procedure, stage, number, debtorName, regionCode: regionInput } = checkRegistration(input);
    const fields = caseFieldValues(input, null, await this.sharedUnitCodes(input));

    try {
      return await this.em.transactional(async (em) => {
        const changes = new ChangeLogWriter(em, principal);
        if (number) {
          await checkNumberCourt(em, principal, court.id, number, 'register');
          await this.refuseTaken(em, number);
        }
        const stageOn = registeredStageOn(input, stage, await todayIn(em, this.timeZone));
        const regionCode = await namedByRow(em, {
          uscc: input.debtorUscc,
          name: debtorName,
          regionCode: regionInput,
          classification: fields.classification,
        });
        const id = randomUUID();
        await insertCase(em, {
          id,
          courtUnitId: court.id,
          debtorUscc: input.debtorUscc,
          debtorName,
          regionCode,
          procedure,
          stage,
          stageOn,
          appliedOn: input.appliedOn ?? null,
          acceptedOn: input.acceptedOn ?? null,
          fields,
          registeredByUnitId: principal.unit.id,
        });
        if (number) await insertNumber(em, changes.txId, id, number);
        await insertStageChange(em, principal.unit.id, changes.txId, id, 1, {
          fromStage: null,
          fromProcedure: null,
          toStage: stage,
          toProcedure: procedure,
          on: stageOn,
          note: null,
        });
        return this.commitChange(em, principal, changes, id, ChangeKind.CREATED, 'case.register', {
          caseNumber: number?.canonical ?? null,
          court: court.code,
          procedure,
          stage,
        });
      });
    } catch (error) {
      throw numberTaken(error, number);
    }
  }

  /** Moves a case to a stage its procedure's rules allow, converting the procedure where they allow it. */
  async advanceStage(principal: Principal, input: AdvanceCaseStageInput): Promise<CaseRow> {
    authorize(principal, 'writeCases');
    const note = optionalText(input.note, 'note', NOTE_MAX) ?? null;
    let number: CaseNumber | null = null;
    try {
      return await this.em.transactional(async (em) => {
        const changes = new ChangeLogWriter(em, principal);
        const row = await this.lockForChange(em, principal, input.caseId, input.expectedVersion);
        const procedure = row.procedure as CaseProcedure;
        const advance = checkAdvance(row, input);
        const { move } = advance;
        number = advance.number;
        if (number) {
          await checkNumberCourt(em, principal, row.courtUnitId, number, 'add');
          await this.refuseTaken(em, number);
        }
        await moveCaseStage(em, row.id, move, input.on);
        if (number) await insertNumber(em, changes.txId, row.id, number);
        await insertStageChange(em, principal.unit.id, changes.txId, row.id, row.version + 1, {
          fromStage: row.stage,
          fromProcedure: row.procedure,
          toStage: move.stage,
          toProcedure: move.procedure,
          on: input.on,
          note,
        });
        return this.commitChange(em, principal, changes, row.id, ChangeKind.STAGE_CHANGED, 'case.advanceStage', {
          from: row.stage,
          to: move.stage,
          ...(move.procedure !== procedure ? { fromProcedure: procedure, toProcedure: move.procedure } : {}),
          on: input.on,
          caseNumber: number?.canonical ?? null,
        });
      });
    } catch (error) {
      throw numberTaken(error, number);
    }
  }

  /**
   * Edits the monitoring points, flags, administrator, debtor name and sharing: omitted fields keep their value,
   * null clears an optional one. An edit that changes nothing answers the case as it is, version unchanged.
   */
  async update(principal: Principal, input: UpdateCaseInput): Promise<CaseRow> {
    authorize(principal, 'writeCases');
    const debtorName = input.debtorName == null ? undefined : requiredText(input.debtorName, 'debtorName', NAME_MAX);
    const sharedUnitCodes = await this.sharedUnitCodes(input);
    return this.em.transactional(async (em) => {
      const row = await this.lockForChange(em, principal, input.caseId, input.expectedVersion);
      const fields = caseFieldValues(input, row, sharedUnitCodes);
      const next = { ...fields, debtorName: debtorName ?? row.debtorName };
      const changed = (Object.keys(next) as (keyof typeof next)[]).filter((key) => !sameValue(next[key], row[key]));
      if (!changed.length) return row;
      await updateCaseFields(em, row.id, next);
      // A case made SHARED names its debtor to every unit: one known only from RESTRICTED rows becomes public.
      if (changed.includes('classification') && next.classification === Classification.SHARED) {
        await namedByRow(em, { uscc: row.debtorUscc, name: next.debtorName, regionCode: row.regionCode, classification: next.classification });
      }
      return this.commitChange(em, principal, new ChangeLogWriter(em, principal), row.id, ChangeKind.UPDATED, 'case.update', {
        changed: changed.sort(),
      });
    });
  }

  /**
   * Adds a number the case was given (e.g. a 破终 number on appeal): the court's with its code, the office's any;
   * one already on this case is no change.
   */
  async addNumber(principal: Principal, input: { caseId: string; caseNumber: string }): Promise<CaseRow> {
    authorize(principal, 'writeCases');
    let number: CaseNumber | null = null;
    try {
      return await this.em.transactional(async (em) => {
        const row = await this.lockForChange(em, principal, input.caseId);
        number = ledgerNumber(input.caseNumber, row.procedure as CaseProcedure, row.stage as CaseStage, 'caseNumber');
        await checkNumberCourt(em, principal, row.courtUnitId, number, 'add');
        if (row.caseNumbers.includes(number.canonical)) return row;
        await this.refuseTaken(em, number);
        const changes = new ChangeLogWriter(em, principal);
        await insertNumber(em, changes.txId, row.id, number);
        await touchCase(em, row.id);
        return this.commitChange(em, principal, changes, row.id, ChangeKind.NUMBER_ADDED, 'case.addNumber', { caseNumber: number.canonical });
      });
    } catch (error) {
      throw numberTaken(error, number);
    }
  }

  private async lockForChange(em: EntityManager, principal: Principal, caseId: string, expectedVersion?: number): Promise<CaseRow> {
    const row = await this.lockVisible(em, principal, caseId);
    if (!itemRules.manageCase(principal, row.courtUnitId)) {
      throw forbidden("only the case's court or the coordination office may move, edit or number a case; other units add progress entries");
    }
    if (expectedVersion !== undefined && row.version !== expectedVersion) {
      throw conflict(`the case is at version ${row.version}, not ${expectedVersion}: read it again and redo your change`, {
        currentVersion: row.version,
      });
    }
    return row;
  }

  /**
   * Appends the change (the case as it is now) to `changes`, the transaction's writer (whose txId its history rows
   * recorded), and the audit record, gives the change its commit number.
   */
  private async commitChange(
    em: EntityManager,
    principal: Principal,
    changes: ChangeLogWriter,
    caseId: string,
    kind: ChangeKind,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<CaseRow> {
    const row = await this.read(em, caseId);
    await changes.append([
      {
        topic: ChangeTopic.CASE,
        kind,
        entityId: row.id,
        sharing: caseSharing(row),
        riskLevel: row.riskLevel,
        regionCode: row.regionCode,
        uscc: row.debtorUscc,
        caseId: row.id,
        payload: casePayload(row, await this.unitRef(em, row.courtUnitId)),
      },
    ]);
    await appendAudit(em, principal, { action, entityType: 'Case', entityId: row.id, detail: { version: row.version, ...detail } });
    await changes.commit();
    return row;
  }

  private async sharedUnitCodes(input: CaseFields): Promise<string[] | undefined> {
    return input.sharedWithUnits == null ? undefined : new UnitService(this.em).sharedUnitCodes(input.sharedWithUnits);
  }

  /** A number another case carries already: CONFLICT. */
  private async refuseTaken(em: EntityManager, number: CaseNumber): Promise<void> {
    if (await numberOnLedger(em, number)) throw numberOnLedgerConflict(number);
  }
}

/** A concurrent registration of the same number lost the race: CONFLICT, as if it had been there before. */
function numberTaken(error: unknown, number: CaseNumber | null): unknown {
  return error instanceof UniqueConstraintViolationException && number ? numberOnLedgerConflict(number) : error;
}

function numberOnLedgerConflict(number: CaseNumber) {
  return conflict(`case number ${number.canonical} is already on the ledger`, { caseNumber: number.canonical });
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
