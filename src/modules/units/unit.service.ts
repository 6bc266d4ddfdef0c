/**
 * Member units (成员单位): the office admits, changes and deactivates them. One write path: every change is
 * validated, written and audited in one transaction.
 */
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { appendAudit } from '../../audit/audit.service';
import { badInput, conflict, notFound } from '../../graphql/errors';
import { toPage, type CursorShape, type Page, type PageRequest } from '../../graphql/connection';
import { parseRegionCode } from '../enterprises/region';
import { requiredText, ruleValue } from '../input';
import { parseUnitCode } from './unit-code';
import { Unit } from './unit.entity';
import { parseUnitKind, type UnitKind } from './unit-kind';

export interface CreateUnitInput {
  code: string;
  name: string;
  kind: UnitKind;
  regionCode: string;
}

export interface UpdateUnitInput {
  code: string;
  name?: string | null;
  kind?: UnitKind | null;
  regionCode?: string | null;
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
      const fields = {
        code: ruleValue(parseUnitCode(input.code), 'code'),
        name: requiredText(input.name, 'name'),
        kind: ruleValue(parseUnitKind(input.kind), 'kind'),
        regionCode: ruleValue(parseRegionCode(input.regionCode), 'regionCode'),
      };
      const taken = () => conflict(`a unit with code ${fields.code} exists already`);
      if (await em.count(Unit, { code: fields.code })) throw taken();
      const unit = em.create(Unit, fields);
      await em.flush().catch((error: unknown) => {
        throw error instanceof UniqueConstraintViolationException ? taken() : error;
      });
      await appendAudit(em, principal, {
        action: 'unit.create',
        entityType: 'Unit',
        entityId: unit.id,
        detail: { code: unit.code, name: unit.name, kind: unit.kind, regionCode: unit.regionCode },
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
      const before = { name: unit.name, kind: unit.kind, regionCode: unit.regionCode, active: unit.active };
      if (input.name != null) unit.name = requiredText(input.name, 'name');
      if (input.kind != null) unit.kind = ruleValue(parseUnitKind(input.kind), 'kind');
      if (input.regionCode != null) unit.regionCode = ruleValue(parseRegionCode(input.regionCode), 'regionCode');
      if (input.active != null) {
        if (!input.active && unit.isOffice) {
          throw badInput('the coordination office cannot be deactivated', { field: 'active', rule: 'office' });
        }
        unit.active = input.active;
      }
      const after = { name: unit.name, kind: unit.kind, regionCode: unit.regionCode, active: unit.active };
      const changed = Object.fromEntries(
        Object.entries(after).filter(([key, value]) => before[key as keyof typeof before] !== value),
      );
      if (Object.keys(changed).length === 0) return unit;
      await em.flush();
      await appendAudit(em, principal, {
        action: input.active === false && before.active ? 'unit.deactivate' : 'unit.update',
        entityType: 'Unit',
        entityId: unit.id,
        detail: { code: unit.code, before, changed },
      });
      return unit;
    });
  }

  /** Units are paged by code: a cursor holds the code. */
  static readonly CURSOR: CursorShape = ['text'];

  async list(principal: Principal, filter: UnitFilter, page: PageRequest): Promise<Page<Unit>> {
    authorize(principal, 'listUnits');
    const where = {
      ...(filter.kind != null ? { kind: filter.kind } : {}),
      ...(filter.active != null ? { active: filter.active } : {}),
    };
    const after = page.after ? { code: { $gt: String(page.after[0]) } } : {};
    const rows = await this.em.find(Unit, { ...where, ...after }, { orderBy: { code: 'asc' }, limit: page.first + 1 });
    return toPage(rows, page, (unit) => [unit.code], () => this.em.count(Unit, where));
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
