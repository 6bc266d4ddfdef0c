/**
 * The case ledger (重大、敏感案件台账): registering cases, moving their stages, editing their monitoring points,
 * numbering them (the reads are case-reads.ts, which this builds on). Every write is one transaction that checks, writes, appends the change
 * (the case as it is right after it) and the audit record; `expectedVersion` turns a lost update into CONFLICT.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Classification } from '../../access/classification';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { appendAudit } from '../../audit/audit.service';
import { pgArray } from '../../db/sql';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../change-log/change-log';
import { badInput, conflict, ErrorCode, forbidden, HubError } from '../../errors';
import { TODAY_IN_ZONE_SQL } from '../../calendar-date';
import { namedByRow } from '../enterprises/enterprise.service';
import { parseRegionCode } from '../../region';
import { optionalText, requiredText, ruleValue } from '../../input';
import { parseUnitCode } from '../../unit-code';
import { UnitKind } from '../../access/unit-kind';
import { UnitService } from '../units/unit.service';
import { type CaseNumber } from './case-number';
import { checkNumberCourt } from './case-number-court';
import { allowedMoves, CaseProcedure, CaseStage, checkStageMove, describeMove, registrableStages } from './case-stage';
import { CaseReads, caseSharing } from './case-reads';
import {
  caseFieldValues,
  checkDateOrder,
  ledgerNumber,
  NAME_MAX,
  NOTE_MAX,
  type AdvanceCaseStageInput,
  type CaseFields,
  type RegisterCaseInput,
  type UpdateCaseInput,
} from './case-inputs';
import { casePayload, type CaseRow, type UnitRef } from './case.sql';

export class CaseService extends CaseReads {
  /** Puts a case on the ledger: a COURT unit for itself, the office naming the court; its number carries that court's code. */
  async register(principal: Principal, input: RegisterCaseInput): Promise<CaseRow> {
    authorize(principal, 'registerCases');
    const court = await this.courtOf(principal, input.court);
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
    const regionInput = input.regionCode?.trim() ? ruleValue(parseRegionCode(input.regionCode), 'regionCode') : null;
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
    const fields = caseFieldValues(input, null, await this.sharedUnitCodes(input));

    try {
      return await this.em.transactional(async (em) => {
        const changes = new ChangeLogWriter(em, principal);
        if (number) {
          await checkNumberCourt(em, principal, court.id, number, 'register');
          await this.refuseTaken(em, number);
        }
        const [{ today }] = await em.execute<{ today: string }[]>(`select ${TODAY_IN_ZONE_SQL}::text as today`, [this.timeZone]);
        const stageOn =
          input.stageOn ?? (stage === CaseStage.APPLIED ? input.appliedOn : input.acceptedOn) ?? input.acceptedOn ?? input.appliedOn ?? today;
        checkDateOrder([
          ['appliedOn', input.appliedOn],
          ['acceptedOn', input.acceptedOn],
          ['stageOn', stageOn],
        ]);
        const regionCode = await namedByRow(em, {
          uscc: input.debtorUscc,
          name: debtorName,
          regionCode: regionInput,
          classification: fields.classification,
        });
        const id = randomUUID();
        await em.execute(
          `insert into bankruptcy_case (id, court_unit_id, debtor_uscc, debtor_name, region_code, procedure, stage, stage_on,
             applied_on, accepted_on, administrator, major, sensitive, employees_affected, wages_owed, debts, assets, creditors,
             petition_risk, public_opinion_risk, social_stability_risk, risk_level, handling_plan, classification,
             shared_unit_codes, shared_kinds, version, registered_by_unit_id, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?::text[], 1, ?, now(), now())`,
          [
            id,
            court.id,
            input.debtorUscc,
            debtorName,
            regionCode,
            procedure,
            stage,
            stageOn,
            input.appliedOn ?? null,
            input.acceptedOn ?? null,
            fields.administrator,
            fields.major,
            fields.sensitive,
            fields.employeesAffected,
            fields.wagesOwed,
            fields.debts,
            fields.assets,
            fields.creditors,
            fields.petitionRisk,
            fields.publicOpinionRisk,
            fields.socialStabilityRisk,
            fields.riskLevel,
            fields.handlingPlan,
            fields.classification,
            pgArray(fields.sharedUnitCodes),
            pgArray(fields.sharedKinds),
            principal.unit.id,
          ],
        );
        if (number) await this.insertNumber(em, changes.txId, id, number);
        await this.insertStageChange(em, principal, changes.txId, id, 1, {
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
        if (input.caseNumber != null) {
          if (move.value.stage !== CaseStage.ACCEPTED) {
            throw badInput('caseNumber: a stage move adds a number only on acceptance; use addCaseNumber otherwise', {
              field: 'caseNumber',
              rule: 'stage',
            });
          }
          number = ledgerNumber(input.caseNumber, move.value.procedure, move.value.stage, 'caseNumber', true);
          await checkNumberCourt(em, principal, row.courtUnitId, number, 'add');
          await this.refuseTaken(em, number);
        }
        await em.execute(
          `update bankruptcy_case set stage = ?, procedure = ?, stage_on = ?,
             accepted_on = case when ? = 'ACCEPTED' then coalesce(accepted_on, ?::date) else accepted_on end,
             version = version + 1, updated_at = now()
           where id = ?`,
          [move.value.stage, move.value.procedure, input.on, move.value.stage, input.on, row.id],
        );
        if (number) await this.insertNumber(em, changes.txId, row.id, number);
        await this.insertStageChange(em, principal, changes.txId, row.id, row.version + 1, {
          fromStage: row.stage,
          fromProcedure: row.procedure,
          toStage: move.value.stage,
          toProcedure: move.value.procedure,
          on: input.on,
          note,
        });
        return this.commitChange(em, principal, changes, row.id, ChangeKind.STAGE_CHANGED, 'case.advanceStage', {
          from: row.stage,
          to: move.value.stage,
          ...(move.value.procedure !== procedure ? { fromProcedure: procedure, toProcedure: move.value.procedure } : {}),
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
      await em.execute(
        `update bankruptcy_case set debtor_name = ?, administrator = ?, major = ?, sensitive = ?, employees_affected = ?,
           wages_owed = ?, debts = ?, assets = ?, creditors = ?, petition_risk = ?, public_opinion_risk = ?,
           social_stability_risk = ?, risk_level = ?, handling_plan = ?, classification = ?, shared_unit_codes = ?::text[],
           shared_kinds = ?::text[], version = version + 1, updated_at = now()
         where id = ?`,
        [
          next.debtorName,
          next.administrator,
          next.major,
          next.sensitive,
          next.employeesAffected,
          next.wagesOwed,
          next.debts,
          next.assets,
          next.creditors,
          next.petitionRisk,
          next.publicOpinionRisk,
          next.socialStabilityRisk,
          next.riskLevel,
          next.handlingPlan,
          next.classification,
          pgArray(next.sharedUnitCodes),
          pgArray(next.sharedKinds),
          row.id,
        ],
      );
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
        await this.insertNumber(em, changes.txId, row.id, number);
        await em.execute('update bankruptcy_case set updated_at = now() where id = ?', [row.id]);
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

  /** The court a registration names: the caller's own unit, or for the office the COURT unit it names. */
  private async courtOf(principal: Principal, code: string | null | undefined): Promise<UnitRef> {
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
    const [unit] = parsed.ok
      ? await this.em.execute<(UnitRef & { active: boolean })[]>('select id, code, name, kind, active from unit where code = ?', [parsed.value])
      : [];
    if (!unit) throw badInput(`court: no unit with code ${code}`, { field: 'court', rule: 'unit' });
    if (unit.kind !== UnitKind.COURT) throw badInput(`court: ${unit.code} is a ${unit.kind} unit, not a COURT`, { field: 'court', rule: 'kind' });
    if (!unit.active) throw badInput(`court: unit ${unit.code} is deactivated`, { field: 'court', rule: 'active' });
    return unit;
  }

  private async sharedUnitCodes(input: CaseFields): Promise<string[] | undefined> {
    return input.sharedWithUnits == null ? undefined : new UnitService(this.em).sharedUnitCodes(input.sharedWithUnits);
  }

  private async refuseTaken(em: EntityManager, number: CaseNumber): Promise<void> {
    const [taken] = await em.execute('select 1 from case_number where number = ?', [number.canonical]);
    if (taken) throw conflict(`case number ${number.canonical} is already on the ledger`, { caseNumber: number.canonical });
  }

  /** Adds a number to the case; `txId`: the change-log transaction it is added in. */
  private async insertNumber(em: EntityManager, txId: string, caseId: string, number: CaseNumber): Promise<void> {
    await em.execute('insert into case_number (number, case_id, type_code, added_at, change_tx_id) values (?, ?, ?, clock_timestamp(), ?)', [
      number.canonical,
      caseId,
      number.typeCode,
      txId,
    ]);
  }

  /** A step of the stage history; `txId`: the change-log transaction it is made in. */
  private async insertStageChange(
    em: EntityManager,
    principal: Principal,
    txId: string,
    caseId: string,
    version: number,
    change: { fromStage: string | null; fromProcedure: string | null; toStage: string; toProcedure: string; on: string; note: string | null },
  ): Promise<void> {
    const { fromStage, toStage, fromProcedure, toProcedure, on, note } = change;
    await em.execute(
      `insert into case_stage_change (case_id, version, from_stage, to_stage, from_procedure, to_procedure, "on", note, actor_unit_id, occurred_at,
         change_tx_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)`,
      [caseId, version, fromStage, toStage, fromProcedure, toProcedure, on, note, principal.unit.id, txId],
    );
  }
}

/** A concurrent registration of the same number lost the race: CONFLICT, as if it had been there before. */
function numberTaken(error: unknown, number: CaseNumber | null): unknown {
  if (error instanceof UniqueConstraintViolationException && number) {
    return conflict(`case number ${number.canonical} is already on the ledger`, { caseNumber: number.canonical });
  }
  return error;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
