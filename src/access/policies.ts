/**
 * Who may do what: each permission one readable line. What a credential may do follows its roles; the office's
 * administration also needs the unit to be the office. Services call {@link authorize} before they act, and the
 * item rules ({@link itemRules}) on the items they act on.
 */
import { forbidden } from '../errors';
import type { Principal } from './principal';
import { Role } from './roles';
import { UnitKind } from './unit-kind';

interface Policy {
  /** Said in the FORBIDDEN message: what the caller lacks. */
  needs: string;
  allow: (principal: Principal) => boolean;
}

const policies = {
  /** Admit member units, change and deactivate them. */
  manageUnits: { needs: 'an office credential with ADMIN', allow: (p) => p.isOffice && p.has(Role.ADMIN) },
  /** Issue, list and revoke credentials of any unit. */
  manageCredentials: { needs: 'an office credential with ADMIN', allow: (p) => p.isOffice && p.has(Role.ADMIN) },
  /** See the member units of the mechanism. */
  listUnits: { needs: 'READ or ADMIN', allow: (p) => p.has(Role.READ) || p.has(Role.ADMIN) },
  /** Query enterprises. */
  readEnterprises: { needs: 'READ', allow: (p) => p.has(Role.READ) },
  /** Register an enterprise or correct its registry facts. */
  registerEnterprises: { needs: 'an office credential with ADMIN', allow: (p) => p.isOffice && p.has(Role.ADMIN) },
  /** Publish the unit's own lists and withdraw its entries (the office: any unit's, naming it). */
  publishRiskLists: { needs: 'PUBLISH', allow: (p) => p.has(Role.PUBLISH) },
  /** Query list entries and publications (what is visible follows the unit). */
  readRiskLists: { needs: 'READ', allow: (p) => p.has(Role.READ) },
  /** Put a case on the ledger: a court for itself, the office naming the court. */
  registerCases: {
    needs: 'PUBLISH of a court or of the office',
    allow: (p) => p.has(Role.PUBLISH) && (p.isOffice || p.unit.kind === UnitKind.COURT),
  },
  /** Move, edit and number cases (each only its own court's or, for the office, any), add progress to visible cases. */
  writeCases: { needs: 'PUBLISH', allow: (p) => p.has(Role.PUBLISH) },
  /** Query the case ledger (what is visible follows the unit). */
  readCases: { needs: 'READ', allow: (p) => p.has(Role.READ) },
  /** Poll the change feed (query changes, changesHead). */
  readChanges: { needs: 'READ', allow: (p) => p.has(Role.READ) },
  /** Subscribe to the change feed over WebSocket. */
  subscribeChanges: { needs: 'SUBSCRIBE', allow: (p) => p.has(Role.SUBSCRIBE) },
  /** Aggregates, bulletins and exports over what the unit may see. */
  analyze: { needs: 'ANALYZE', allow: (p) => p.has(Role.ANALYZE) },
  /** Read the audit trail (auditTrail). */
  readAuditTrail: { needs: 'an office credential with ADMIN', allow: (p) => p.isOffice && p.has(Role.ADMIN) },
  /** See personal data (a legal representative's ID number, a contact phone) unmasked. */
  seePersonalData: { needs: 'PERSONAL_DATA', allow: (p) => p.has(Role.PERSONAL_DATA) },
} satisfies Record<string, Policy>;

export type Action = keyof typeof policies;

export function can(principal: Principal, action: Action): boolean {
  return policies[action].allow(principal);
}

/** Throws FORBIDDEN naming what is missing unless the principal may take the action. */
export function authorize(principal: Principal, action: Action): void {
  if (!can(principal, action)) throw forbidden(`${action} needs ${policies[action].needs}`);
}

/** A unit as an item rule names it: by its id or by its code (each unique, and neither ever changes). */
export type UnitKey = { id: string } | { code: string };

const isOwnUnit = (principal: Principal, unit: UnitKey) => ('id' in unit ? unit.id === principal.unit.id : unit.code === principal.unit.code);

/**
 * Item rules, beside the operation rules above: whether one item (a unit, a case, a publisher) allows what the caller
 * does to it. Services call them where they have the item, and refuse with their own message naming it.
 */
export const itemRules = {
  /** Act for a unit (publish its lists, withdraw its entries, register a case of its court): the unit itself, and the office for any. */
  actForUnit: (principal: Principal, unit: UnitKey) => principal.isOffice || isOwnUnit(principal, unit),
  /** Move a case's stage, edit it, add its numbers: the case's own court and the office, nobody else. */
  manageCase: (principal: Principal, courtUnitId: string) => principal.isOffice || principal.unit.id === courtUnitId,
  /** Add a number to a case whatever court's code it carries (or when its court has no code yet): the office only. */
  numberForAnyCourt: (principal: Principal) => principal.isOffice,
  /** See every unit's publications and submission status, not only its own unit's: the office only. */
  seeEveryUnit: (principal: Principal) => principal.isOffice,
  /** Hold ADMIN: a credential of the office's unit only. */
  holdAdmin: (unit: { isOffice: boolean }) => unit.isOffice,
  /** Be deactivated: every unit but the office. */
  deactivate: (unit: { isOffice: boolean }) => !unit.isOffice,
  /** Rename an enterprise from a list's SHARED rows: the registry's keeper (market regulation), also when the office publishes for it. */
  renameEnterpriseFromList: (publisher: { kind: UnitKind }) => publisher.kind === UnitKind.MARKET_REGULATION,
};
