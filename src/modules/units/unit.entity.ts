import { randomUUID } from 'node:crypto';
import { BeforeUpdate, Check, Entity, Enum, Index, PrimaryKey, Property, type EventArgs, type Opt } from '@mikro-orm/core';
import { badInput } from '../../errors';
import { UnitKind } from '../../access/unit-kind';

/**
 * A member unit (成员单位) of the coordination mechanism; exactly one is the coordination office. Only a COURT unit
 * has a court code (法院代字), and no two units have the same one.
 */
@Entity({ tableName: 'unit' })
@Check({ name: 'unit_court_code_kind', expression: `"court_code" is null or "kind" = 'COURT'` })
@Index({ name: 'unit_single_office', expression: 'create unique index "unit_single_office" on "unit" ("is_office") where "is_office"' })
export class Unit {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  /**
   * Stable code used by departmental systems and the command line, e.g. YC-TAX. It never changes: RESTRICTED
   * records name the units they are shared with by code ({@link refuseCodeChange}).
   */
  @Property({ type: 'text', unique: true })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => UnitKind, type: 'text' })
  kind!: UnitKind;

  @Property({ type: 'string', length: 6 })
  regionCode!: string;

  /**
   * A court's court code (法院代字, e.g. 晋08 for 运城中院), set by the office: the code its case numbers carry.
   * Null for other kinds, and for a court whose code is not set yet (it can then put no number on the ledger).
   */
  @Property({ type: 'text', nullable: true, unique: true })
  courtCode?: string | null;

  /** The coordination office (府院联动机制办公室): administers the hub and sees everything. */
  @Property({ type: 'boolean' })
  isOffice: boolean & Opt = false;

  /** A deactivated unit's credentials no longer authenticate. */
  @Property({ type: 'boolean' })
  active: boolean & Opt = true;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();

  /** No write through the ORM changes a unit's code (the API offers none; this holds for every later path too). */
  @BeforeUpdate()
  protected refuseCodeChange(args: EventArgs<Unit>): void {
    if (args.changeSet && 'code' in args.changeSet.payload) {
      throw badInput(`a unit's code never changes (${args.changeSet.originalEntity?.code ?? '?'} stays): records are shared with units by code`, {
        field: 'code',
        rule: 'immutable',
      });
    }
  }
}

/**
 * A unit as its facts and node are made from: the entity, or a unit read by SQL (a change's acting unit,
 * change-log/change-reader.ts, which reads no court code).
 */
export type UnitFields = Pick<Unit, 'id' | 'code' | 'name' | 'kind' | 'regionCode' | 'isOffice' | 'active' | 'createdAt' | 'updatedAt'> & {
  courtCode?: string | null;
};

/**
 * A unit's facts, as a UNIT change carries them (the feed reads kind, region and name back:
 * feed/subscriber-access.ts) and as its GraphQL node shows them.
 */
export function unitFacts(unit: UnitFields) {
  return {
    id: unit.id,
    code: unit.code,
    name: unit.name,
    kind: unit.kind,
    regionCode: unit.regionCode,
    courtCode: unit.courtCode ?? null,
    isOffice: unit.isOffice,
    active: unit.active,
  };
}
