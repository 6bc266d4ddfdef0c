/**
 * Classification of a record (DESIGN.md "Identity and access"): SHARED with every member unit, or RESTRICTED
 * to its owner, the office, and the units and unit kinds it is shared with.
 */
import type { UnitKind } from './unit-kind';

export enum Classification {
  SHARED = 'SHARED', // 共享
  RESTRICTED = 'RESTRICTED', // 限定范围
}

/** The columns every classified record carries, in the database and on each change-log row. */
export interface Sharing {
  classification: Classification;
  /** The unit that owns the record (the publisher of a list entry, the court of a case). */
  ownerUnitId: string;
  /** Codes of the units a RESTRICTED record is shared with. */
  sharedUnitCodes: string[];
  sharedKinds: UnitKind[];
}

/** What only the office may see (changes of credentials and units): RESTRICTED, owned by the office, shared with nobody. */
export function officeOnly(officeUnitId: string): Sharing {
  return { classification: Classification.RESTRICTED, ownerUnitId: officeUnitId, sharedUnitCodes: [], sharedKinds: [] };
}
