/**
 * The case ledger (重大、敏感案件台账): registering cases, moving their stages, editing their monitoring points,
 * numbering them, and reading them. Every write is one transaction that checks, writes, appends the change
 * (the case as it is right after it) and the audit record; `expectedVersion` turns a lost update into CONFLICT.
 */
import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Classification } from '../../access/classification';
import { authorize, mayManageCase } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { visibleSql } from '../../access/visibility';
import { appendAudit } from '../../audit/audit.service';
import { isoTime, pgArray } from '../../db/sql';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../feed/change-log';
import { toPage, type CursorPart, type CursorShape, type Page, type PageRequest } from '../../graphql/connection';
import { countsIn, groupRows } from '../../graphql/list-size';
import { badInput, conflict, ErrorCode, forbidden, HubError, notFound } from '../../graphql/errors';
import { DEFAULT_TIME_ZONE, TODAY_IN_ZONE_SQL } from '../calendar-date';
import { namedByRow } from '../enterprises/enterprise.service';
import { parseRegionCode, parseRegionPrefix } from '../enterprises/region';
import { parseUscc } from '../enterprises/uscc';
import { isUuid, optionalText, requiredText, ruleValue } from '../input';
import { cursorRefused, SortDirection } from '../risk-lists/risk-entry.service';
import type { RiskLevel } from '../risk-lists/risk-level';
import { parseUnitCode } from '../units/unit-code';
import { UnitKind } from '../units/unit-kind';
import { UnitService } from '../units/unit.service';
import { checkNumberFitsCase, parseBankruptcyCaseNumber, parseCaseNumber, type CaseNumber } from './case-number';
import { checkNumberCourt } from './case-number-court';
import { allowedMoves, CaseProcedure, CaseStage, caseRiskLevel, checkStageMove, describeMove, registrableStages } from './case-stage';
import { CASE_COLUMNS, caseRow, casePayload, type CaseRow, type UnitRef } from './case.sql';

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

export interface CaseFilter {
  stages?: CaseStage[] | null;
  procedures?: CaseProcedure[] | null;
  /** Court unit codes. */
  courts?: string[] | null;
  regionPrefix?: string | null;
  major?: boolean | null;
  sensitive?: boolean | null;
  /** At least this severe: ORANGE means ORANGE or RED. */
  minRiskLevel?: RiskLevel | null;
  debtorUscc?: string | null;
  /** A fragment of the debtor's name. */
  debtorName?: string | null;
  /** Cases registered, moved or edited at or after this time. */
  updatedSince?: Date | null;
}

export enum CaseOrderField {
  UPDATED_AT = 'UPDATED_AT',
  REGISTERED_AT = 'REGISTERED_AT',
  /** DESC puts RED first; cases without a risk level last. */
  SEVERITY = 'SEVERITY',
  EMPLOYEES_AFFECTED = 'EMPLOYEES_AFFECTED',
}

export interface CaseOrder {
  field: CaseOrderField;
  direction: SortDirection;
}

export interface StageChangeRow {
  caseId: string;
  version: number;
  fromStage: string | null;
  toStage: string;
  fromProcedure: string | null;
  toProcedure: string;
  on: string;
  note: string | null;
  actorUnitId: string;
  occurredAt: Date;
}

/** Sort expression, the type its cursor value is cast back to, and the kind a cursor's value must be of. */
const ORDER: Record<CaseOrderField, { expression: string; cast: string; part: CursorPart }> = {
  UPDATED_AT: { expression: 'c.updated_at', cast: 'timestamptz', part: 'time' },
  REGISTERED_AT: { expression: 'c.created_at', cast: 'timestamptz', part: 'time' },
  SEVERITY: { expression: '(5 - coalesce(c.risk_level, 5))', cast: 'int', part: 'int' },
  EMPLOYEES_AFFECTED: { expression: 'coalesce(c.employees_affected, -1)', cast: 'int', part: 'int' },
};

/** The sort key of a page of cases in `order`: its sort value, then the case's id. */
export function caseCursorShape(order: CaseOrder): CursorShape {
  return [ORDER[order.field].part, 'uuid'];
}

const NAME_MAX = 200;
const TEXT_MAX = 10_000;
const NOTE_MAX = 2_000;

export class CaseService {
  constructor(
    private readonly em: EntityManager,
    /** HUB_TIMEZONE: the day a date left out defaults to is today there. */
    private readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {}

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
    const fields = this.fieldValues(input, null, await this.sharedUnitCodes(input));

    try {
      return await this.em.transactional(async (em) => {
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
        if (number) await this.insertNumber(em, id, number);
        await this.insertStageChange(em, principal, id, 1, {
          fromStage: null,
          fromProcedure: null,
          toStage: stage,
          toProcedure: procedure,
          on: stageOn,
          note: null,
        });
        return this.commitChange(em, principal, id, ChangeKind.CREATED, 'case.register', {
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
        if (number) await this.insertNumber(em, row.id, number);
        await this.insertStageChange(em, principal, row.id, row.version + 1, {
          fromStage: row.stage,
          fromProcedure: row.procedure,
          toStage: move.value.stage,
          toProcedure: move.value.procedure,
          on: input.on,
          note,
        });
        return this.commitChange(em, principal, row.id, ChangeKind.STAGE_CHANGED, 'case.advanceStage', {
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
      const fields = this.fieldValues(input, row, sharedUnitCodes);
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
      return this.commitChange(em, principal, row.id, ChangeKind.UPDATED, 'case.update', { changed: changed.sort() });
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
        await this.insertNumber(em, row.id, number);
        await em.execute('update bankruptcy_case set updated_at = now() where id = ?', [row.id]);
        return this.commitChange(em, principal, row.id, ChangeKind.NUMBER_ADDED, 'case.addNumber', { caseNumber: number.canonical });
      });
    } catch (error) {
      throw numberTaken(error, number);
    }
  }

  /** One case by id or by any of its numbers; NOT_FOUND when there is none the caller may see. */
  async get(principal: Principal, by: { id?: string | null; caseNumber?: string | null }): Promise<CaseRow> {
    authorize(principal, 'readCases');
    if ((by.id == null) === (by.caseNumber == null)) {
      throw badInput('case takes exactly one of id and caseNumber', { field: by.id == null ? 'id' : 'caseNumber', rule: 'exactlyOne' });
    }
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    let found: Record<string, unknown> | undefined;
    if (by.id != null) {
      if (!isUuid(by.id)) throw notFound(`no case with id ${by.id}`);
      [found] = await this.em.execute(`select ${CASE_COLUMNS} from bankruptcy_case c where c.id = ? and ${visible.sql}`, [by.id, ...visible.params]);
    } else {
      const canonical = ruleValue(parseCaseNumber(by.caseNumber), 'caseNumber').canonical;
      [found] = await this.em.execute(
        `select ${CASE_COLUMNS} from bankruptcy_case c join case_number n on n.case_id = c.id where n.number = ? and ${visible.sql}`,
        [canonical, ...visible.params],
      );
    }
    if (!found) throw notFound(by.id != null ? `no case with id ${by.id}` : `no case with number ${by.caseNumber}`);
    return caseRow(found);
  }

  /** Cases the caller may see, filtered, ordered, one page. */
  async list(principal: Principal, filter: CaseFilter, order: CaseOrder, page: PageRequest): Promise<Page<CaseRow>> {
    authorize(principal, 'readCases');
    const { where, params } = await this.filterSql(principal, filter);
    const { expression, cast } = ORDER[order.field];
    const descending = order.direction === SortDirection.DESC;
    const after = page.after ? ` and (${expression}, c.id) ${descending ? '<' : '>'} (?::${cast}, ?::uuid)` : '';
    const direction = descending ? 'desc' : 'asc';
    const raw = await this.em
      .execute<Record<string, unknown>[]>(
        `select ${CASE_COLUMNS}, (${expression})::text as "sortKey" from bankruptcy_case c
         where ${where}${after} order by ${expression} ${direction}, c.id ${direction} limit ?`,
        [...params, ...(page.after ?? []), page.first + 1],
      )
      .catch(cursorRefused(page));
    const rows = raw.map((r) => ({ ...caseRow(r), sortKey: r.sortKey as string }));
    return toPage(
      rows,
      page,
      (row) => [row.sortKey, row.id],
      async () => {
        const [count] = await this.em.execute<{ n: string }[]>(`select count(*) as n from bankruptcy_case c where ${where}`, params);
        return Number(count.n);
      },
    );
  }

  /** The cases the caller may see of each debtor, newest first, at most `first` each (for Enterprise.cases). */
  async byDebtor(principal: Principal, usccs: readonly string[], first: number): Promise<CaseRow[][]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const rows = (
      await this.em.execute<Record<string, unknown>[]>(
        `select ${CASE_COLUMNS} from bankruptcy_case c join (
           select c.id, row_number() over (partition by c.debtor_uscc order by c.created_at desc, c.id desc) as recent
           from bankruptcy_case c where c.debtor_uscc = any(?::text[]) and ${visible.sql}
         ) ranked on ranked.id = c.id
         where ranked.recent <= ? order by c.created_at desc, c.id desc`,
        [pgArray(usccs), ...visible.params, first],
      )
    ).map(caseRow);
    return groupRows(usccs, rows, (row) => row.debtorUscc);
  }

  /** How many cases the caller may see each debtor has (Enterprise.caseCount, batched). */
  async countByDebtor(principal: Principal, usccs: readonly string[]): Promise<number[]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const counts = await this.em.execute<{ uscc: string; n: number }[]>(
      `select c.debtor_uscc as uscc, count(*)::int as n from bankruptcy_case c where c.debtor_uscc = any(?::text[]) and ${visible.sql} group by c.debtor_uscc`,
      [pgArray(usccs), ...visible.params],
    );
    return countsIn(usccs, counts, (row) => row.uscc);
  }

  /** Cases by id that the caller may see (for progress entries' case). */
  async byIds(principal: Principal, ids: readonly string[]): Promise<CaseRow[]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    return (
      await this.em.execute<Record<string, unknown>[]>(
        `select ${CASE_COLUMNS} from bankruptcy_case c where c.id = any(?::uuid[]) and ${visible.sql}`,
        [pgArray(ids), ...visible.params],
      )
    ).map(caseRow);
  }

  /**
   * The stage history of each case the caller may see now, registration first (for Case.stageHistory; a case from
   * the change feed may since have been restricted).
   */
  async stageHistoryOf(principal: Principal, caseIds: readonly string[]): Promise<StageChangeRow[][]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const rows = await this.em.execute<(StageChangeRow & { occurredAt: string })[]>(
      `select s.case_id as "caseId", s.version, s.from_stage as "fromStage", s.to_stage as "toStage", s.from_procedure as "fromProcedure",
         s.to_procedure as "toProcedure", s."on"::text as "on", s.note, s.actor_unit_id as "actorUnitId",
         ${isoTime('s.occurred_at')} as "occurredAt"
       from case_stage_change s join bankruptcy_case c on c.id = s.case_id
       where s.case_id = any(?::uuid[]) and ${visible.sql} order by s.version`,
      [pgArray(caseIds), ...visible.params],
    );
    const changes = rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
    return caseIds.map((id) => changes.filter((change) => change.caseId === id));
  }

  /**
   * The case, locked for this transaction, when the caller may change it: NOT_FOUND when it may not see it (as
   * if there were none), FORBIDDEN when it sees but does not own it, CONFLICT when `expectedVersion` is stale.
   */
  async lockVisible(em: EntityManager, principal: Principal, caseId: string): Promise<CaseRow> {
    if (!isUuid(caseId)) throw notFound(`no case with id ${caseId}`);
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const [raw] = await em.execute<Record<string, unknown>[]>(
      `select ${CASE_COLUMNS} from bankruptcy_case c where c.id = ? and ${visible.sql} for update of c`,
      [caseId, ...visible.params],
    );
    if (!raw) throw notFound(`no case with id ${caseId}`);
    return caseRow(raw);
  }

  /** The case as it is now, by id (inside a write, after the change). */
  async read(em: EntityManager, caseId: string): Promise<CaseRow> {
    const [raw] = await em.execute<Record<string, unknown>[]>(`select ${CASE_COLUMNS} from bankruptcy_case c where c.id = ?`, [caseId]);
    return caseRow(raw);
  }

  /** The court of a case as a change-log payload names it. */
  async unitRef(em: EntityManager, unitId: string): Promise<UnitRef> {
    const [unit] = await em.execute<UnitRef[]>('select id, code, name, kind from unit where id = ?', [unitId]);
    return unit;
  }

  private async lockForChange(em: EntityManager, principal: Principal, caseId: string, expectedVersion?: number): Promise<CaseRow> {
    const row = await this.lockVisible(em, principal, caseId);
    if (!mayManageCase(principal, row.courtUnitId)) {
      throw forbidden("only the case's court or the coordination office may move, edit or number a case; other units add progress entries");
    }
    if (expectedVersion !== undefined && row.version !== expectedVersion) {
      throw conflict(`the case is at version ${row.version}, not ${expectedVersion}: read it again and redo your change`, {
        currentVersion: row.version,
      });
    }
    return row;
  }

  /** Appends the change (the case as it is now) and the audit record, gives the change its commit number. */
  private async commitChange(
    em: EntityManager,
    principal: Principal,
    caseId: string,
    kind: ChangeKind,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<CaseRow> {
    const row = await this.read(em, caseId);
    const changes = new ChangeLogWriter(em, principal);
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
    if (!principal.isOffice) throw forbidden('a court registers its own cases; only the coordination office names another court');
    const parsed = parseUnitCode(code);
    const [unit] = parsed.ok
      ? await this.em.execute<(UnitRef & { active: boolean })[]>('select id, code, name, kind, active from unit where code = ?', [parsed.value])
      : [];
    if (!unit) throw badInput(`court: no unit with code ${code}`, { field: 'court', rule: 'unit' });
    if (unit.kind !== UnitKind.COURT) throw badInput(`court: ${unit.code} is a ${unit.kind} unit, not a COURT`, { field: 'court', rule: 'kind' });
    if (!unit.active) throw badInput(`court: unit ${unit.code} is deactivated`, { field: 'court', rule: 'active' });
    return unit;
  }

  /**
   * The editable fields after an edit (`row` null: a registration), checked. `sharedUnitCodes` are the codes of
   * `sharedWithUnits` as {@link UnitService.sharedUnitCodes} resolved them before the transaction (undefined: not
   * given), so that no query runs outside the transaction while it is open.
   */
  private fieldValues(input: CaseFields, row: CaseRow | null, resolvedUnitCodes: string[] | undefined) {
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

  private async sharedUnitCodes(input: CaseFields): Promise<string[] | undefined> {
    return input.sharedWithUnits == null ? undefined : new UnitService(this.em).sharedUnitCodes(input.sharedWithUnits);
  }

  private async refuseTaken(em: EntityManager, number: CaseNumber): Promise<void> {
    const [taken] = await em.execute('select 1 from case_number where number = ?', [number.canonical]);
    if (taken) throw conflict(`case number ${number.canonical} is already on the ledger`, { caseNumber: number.canonical });
  }

  private async insertNumber(em: EntityManager, caseId: string, number: CaseNumber): Promise<void> {
    await em.execute('insert into case_number (number, case_id, type_code, added_at) values (?, ?, ?, clock_timestamp())', [
      number.canonical,
      caseId,
      number.typeCode,
    ]);
  }

  private async insertStageChange(
    em: EntityManager,
    principal: Principal,
    caseId: string,
    version: number,
    change: { fromStage: string | null; fromProcedure: string | null; toStage: string; toProcedure: string; on: string; note: string | null },
  ): Promise<void> {
    await em.execute(
      `insert into case_stage_change (case_id, version, from_stage, to_stage, from_procedure, to_procedure, "on", note, actor_unit_id, occurred_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())`,
      [caseId, version, change.fromStage, change.toStage, change.fromProcedure, change.toProcedure, change.on, change.note, principal.unit.id],
    );
  }

  /**
   * The condition of a filter on `bankruptcy_case c`, the caller's visibility included: the one rule the list and
   * the aggregates (analytics) share.
   */
  async filterSql(principal: Principal, filter: CaseFilter): Promise<{ where: string; params: unknown[] }> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const conditions = [visible.sql];
    const params: unknown[] = [...visible.params];
    const add = (sql: string, ...values: unknown[]) => {
      conditions.push(sql);
      params.push(...values);
    };
    if (filter.stages?.length) add('c.stage = any(?::text[])', pgArray(filter.stages));
    if (filter.procedures?.length) add('c.procedure = any(?::text[])', pgArray(filter.procedures));
    if (filter.courts?.length) {
      add('c.court_unit_id in (select id from unit where code = any(?::text[]))', pgArray(filter.courts.map((code) => code.trim().toUpperCase())));
    }
    if (filter.regionPrefix != null) add('c.region_code like ?', `${ruleValue(parseRegionPrefix(filter.regionPrefix), 'regionPrefix')}%`);
    if (filter.major != null) add('c.major = ?', filter.major);
    if (filter.sensitive != null) add('c.sensitive = ?', filter.sensitive);
    if (filter.minRiskLevel != null) add('c.risk_level <= ?', filter.minRiskLevel);
    if (filter.debtorUscc != null) add('c.debtor_uscc = ?', ruleValue(parseUscc(filter.debtorUscc), 'debtorUscc'));
    if (filter.debtorName?.trim()) add("c.debtor_name ilike ? escape '\\'", `%${filter.debtorName.trim().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    if (filter.updatedSince != null) add('c.updated_at >= ?', filter.updatedSince);
    return { where: conditions.join(' and '), params };
  }
}

/** The classification columns of a case, as the visibility rule and the change log read them. */
export function caseSharing(row: CaseRow) {
  return {
    classification: row.classification as Classification,
    ownerUnitId: row.courtUnitId,
    sharedUnitCodes: row.sharedUnitCodes,
    sharedKinds: row.sharedKinds as UnitKind[],
  };
}

/** A number for the ledger: a bankruptcy or compulsory-liquidation number that fits the case. */
function ledgerNumber(input: string, procedure: CaseProcedure, stage: CaseStage, field: string, accepting = false): CaseNumber {
  const parsed = ruleValue(parseBankruptcyCaseNumber(input), field);
  return ruleValue(checkNumberFitsCase(parsed, procedure, stage, accepting), field);
}

/** Dates given in an order that cannot be (accepted before applied, a stage before either) are refused. */
function checkDateOrder(dates: [string, string | null | undefined][]): void {
  const given = dates.filter((entry): entry is [string, string] => entry[1] != null);
  for (let i = 1; i < given.length; i++) {
    const [earlierField, earlier] = given[i - 1];
    const [field, value] = given[i];
    if (value < earlier) throw badInput(`${field} (${value}) is before ${earlierField} (${earlier})`, { field, rule: 'order' });
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
