/**
 * Member units (成员单位): the office admits, changes and deactivates them. One write path: every change is
 * validated, written, audited and — a change of name, kind, region or active flag — written to the change log
 * (topic UNIT, the office only) in one transaction, so that every hub instance ends or re-evaluates the unit's
 * open subscriptions in commit order. A unit's code never changes: records are shared with units by code. Only a
 * COURT unit has a court code (法院代字), by the grammar of case numbers, and no two units share one.
 */
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { officeOnly } from '../../access/classification';
import { appendAudit } from '../../audit/audit.service';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../change-log/change-log';
import { badInput, conflict, notFound } from '../../errors';
import { toPage, type CursorShape, type Page, type PageRequest } from '../../db/keyset';
import { parseCourtCode } from '../cases/case-number';
import { parseRegionCode } from '../../region';
import { requiredText, ruleValue } from '../../input';
import { parseUnitCode } from '../../unit-code';
import { Unit, unitFacts } from './unit.entity';
import { parseUnitKind, UnitKind } from '../../access/unit-kind';

export interface CreateUnitInput {
  code: string;
  name: string;
  kind: UnitKind;
  regionCode: string;
  /** A COURT unit's court code (法院代字), e.g. 晋08. */
  courtCode?: string | null;
}

export interface UpdateUnitInput {
  code: string;
  name?: string | null;
  kind?: UnitKind | null;
  regionCode?: string | null;
  /** Omitted (undefined): kept; null: cleared. */
  courtCode?: string | null;
  active?: boolean | null;
}

export interface UnitFilter {
  kind?: UnitKind | null;
  active?: boolean | null;
}

export class UnitService {
  constructor(private readonly em: EntityManager) {}

  async create(principal: Principal, input: CreateUnitInput): Promise<Unit> {
    authorize(principal, 'manageUnits');
    return this.em.transactional(async (em) => {
      const kind = ruleValue(parseUnitKind(input.kind), 'kind');
      const fields = {
        code: ruleValue(parseUnitCode(input.code), 'code'),
        name: requiredText(input.name, 'name'),
        kind,
        regionCode: ruleValue(parseRegionCode(input.regionCode), 'regionCode'),
        courtCode: input.courtCode == null ? null : courtCodeOf(kind, input.courtCode),
      };
      const taken = () => conflict(`a unit with code ${fields.code}${fields.courtCode ? ` or court code ${fields.courtCode}` : ''} exists already`);
      if (await em.count(Unit, { code: fields.code })) throw taken();
      await refuseCourtCodeTaken(em, fields.courtCode, null);
      const unit = em.create(Unit, fields);
      await em.flush().catch((error: unknown) => {
        throw error instanceof UniqueConstraintViolationException ? taken() : error;
      });
      await appendAudit(em, principal, {
        action: 'unit.create',
        entityType: 'Unit',
        entityId: unit.id,
        detail: { code: unit.code, name: unit.name, kind: unit.kind, regionCode: unit.regionCode, courtCode: unit.courtCode ?? null },
      });
      return unit;
    });
  }

  async update(principal: Principal, input: UpdateUnitInput): Promise<Unit> {
    authorize(principal, 'manageUnits');
    return this.em.transactional(async (em) => {
      const code = ruleValue(parseUnitCode(input.code), 'code');
      const unit = await em.findOne(Unit, { code }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!unit) throw notFound(`no unit with code ${code}`);
      const before = { name: unit.name, kind: unit.kind, regionCode: unit.regionCode, courtCode: unit.courtCode ?? null, active: unit.active };
      const kind = input.kind != null ? ruleValue(parseUnitKind(input.kind), 'kind') : unit.kind;
      const courtCode =
        input.courtCode === undefined ? before.courtCode : input.courtCode === null ? null : ruleValue(parseCourtCode(input.courtCode), 'courtCode');
      if (courtCode && kind !== UnitKind.COURT) {
        // A court whose kind changes keeps no code silently: the office clears it in the same change (or keeps the kind).
        throw badInput(
          before.kind === UnitKind.COURT
            ? `courtCode: only a COURT unit has a court code; to make ${unit.code} a ${kind} unit, clear its court code ${courtCode} in the same change (courtCode: null)`
            : `courtCode: only a COURT unit has a court code; ${unit.code} is a ${kind} unit`,
          { field: 'courtCode', rule: 'kind' },
        );
      }
      // Checked before the entity changes: a query on units would flush a changed unit first.
      if (courtCode && courtCode !== before.courtCode) await refuseCourtCodeTaken(em, courtCode, unit.id);
      if (input.name != null) unit.name = requiredText(input.name, 'name');
      unit.kind = kind;
      if (input.regionCode != null) unit.regionCode = ruleValue(parseRegionCode(input.regionCode), 'regionCode');
      unit.courtCode = courtCode;
      if (input.active != null) {
        if (!input.active && !itemRules.deactivate(unit)) {
          throw badInput('the coordination office cannot be deactivated', { field: 'active', rule: 'office' });
        }
        unit.active = input.active;
      }
      const after = { name: unit.name, kind: unit.kind, regionCode: unit.regionCode, courtCode: unit.courtCode ?? null, active: unit.active };
      const changed = Object.fromEntries(Object.entries(after).filter(([key, value]) => before[key as keyof typeof before] !== value));
      if (Object.keys(changed).length === 0) return unit;
      await em.flush().catch((error: unknown) => {
        throw error instanceof UniqueConstraintViolationException ? conflict(`court code ${unit.courtCode} is another unit's already`) : error;
      });
      await appendAudit(em, principal, {
        action: input.active === false && before.active ? 'unit.deactivate' : 'unit.update',
        entityType: 'Unit',
        entityId: unit.id,
        detail: { code: unit.code, before, changed },
      });
      await this.logChange(em, principal, unit, before.active, Object.keys(changed));
      return unit;
    });
  }

  /** Units are paged by code: a cursor holds the code. */
  static readonly CURSOR: CursorShape = ['text'];

  /**
   * The unit's change in the change log, as the transaction's last statement: DEACTIVATED, REACTIVATED, or
   * UPDATED (name, kind, region); the payload is the unit right after it and what changed.
   */
  private async logChange(em: EntityManager, principal: Principal, unit: Unit, wasActive: boolean, changed: string[]): Promise<void> {
    const office = await new UnitService(em).office();
    const kind = unit.active === wasActive ? ChangeKind.UPDATED : unit.active ? ChangeKind.REACTIVATED : ChangeKind.DEACTIVATED;
    const changes = new ChangeLogWriter(em, principal);
    await changes.append([
      {
        topic: ChangeTopic.UNIT,
        kind,
        entityId: unit.id,
        sharing: officeOnly(office!.id),
        regionCode: unit.regionCode,
        payload: { ...unitFacts(unit), changed },
      },
    ]);
    await changes.commit();
  }

  async list(principal: Principal, filter: UnitFilter, page: PageRequest): Promise<Page<Unit>> {
    authorize(principal, 'listUnits');
    const where = {
      ...(filter.kind != null ? { kind: filter.kind } : {}),
      ...(filter.active != null ? { active: filter.active } : {}),
    };
    const after = page.after ? { code: { $gt: String(page.after[0]) } } : {};
    const rows = await this.em.find(Unit, { ...where, ...after }, { orderBy: { code: 'asc' }, limit: page.first + 1 });
    return toPage(
      rows,
      page,
      (unit) => [unit.code],
      () => this.em.count(Unit, where),
      async ([key]) => (await this.em.findOne(Unit, { ...where, code: { $lte: String(key) } }, { fields: ['id'] })) !== null,
    );
  }

  /** A unit by code, for the office's administration; NOT_FOUND when there is none. */
  async byCode(code: string): Promise<Unit> {
    const unit = await this.em.findOne(Unit, { code: ruleValue(parseUnitCode(code), 'unit') });
    if (!unit) throw notFound(`no unit with code ${code.trim().toUpperCase()}`);
    return unit;
  }

  /**
   * The codes of units a RESTRICTED record is shared with (`sharedWithUnits` of a list or a case): trimmed,
   * upper-cased, deduplicated and sorted; BAD_USER_INPUT naming `field` and every code of no unit.
   */
  async sharedUnitCodes(codes: readonly string[], field = 'sharedWithUnits'): Promise<string[]> {
    const wanted = [...new Set(codes.map((code) => code.trim().toUpperCase()))].sort();
    if (!wanted.length) return [];
    const found = new Set((await this.em.find(Unit, { code: { $in: wanted } })).map((unit) => unit.code));
    const unknown = wanted.filter((code) => !found.has(code));
    if (unknown.length) throw badInput(`${field}: no unit with code ${unknown.join(', ')}`, { field, rule: 'unit' });
    return wanted;
  }

  office(): Promise<Unit | null> {
    return this.em.findOne(Unit, { isOffice: true });
  }
}

/** The court code a new unit of `kind` is given: BAD_USER_INPUT (field courtCode) unless valid and the unit a COURT. */
function courtCodeOf(kind: UnitKind, given: string): string {
  const code = ruleValue(parseCourtCode(given), 'courtCode');
  if (kind !== UnitKind.COURT)
    throw badInput(`courtCode: only a COURT unit has a court code; this unit is ${kind}`, { field: 'courtCode', rule: 'kind' });
  return code;
}

/** CONFLICT when another unit than `unitId` has the court code already (a court code names one court). */
async function refuseCourtCodeTaken(em: EntityManager, courtCode: string | null, unitId: string | null): Promise<void> {
  if (!courtCode) return;
  const holder = await em.findOne(Unit, { courtCode, ...(unitId ? { id: { $ne: unitId } } : {}) });
  if (holder) throw conflict(`court code ${courtCode} is unit ${holder.code}'s already`, { courtCode });
}
