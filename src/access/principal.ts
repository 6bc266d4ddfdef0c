/** Who is calling: a credential of a unit with roles, or the command line acting as the office. */
import { ALL_ROLES, type Role } from './roles';
import type { UnitKind } from './unit-kind';

export interface PrincipalUnit {
  id: string;
  code: string;
  name: string;
  kind: UnitKind;
  regionCode: string;
  isOffice: boolean;
}

export class Principal {
  private readonly roleSet: ReadonlySet<Role>;

  constructor(
    readonly unit: PrincipalUnit,
    roles: readonly Role[],
    /** The calling credential; null for the command line. */
    readonly credentialId: string | null,
    /** When the credential stops working; null for never (and for the command line). */
    readonly expiresAt: Date | null = null,
  ) {
    this.roleSet = new Set(roles);
  }

  /** The same credential of the unit as it is now (its kind or region changed): roles, key and expiry stay. */
  withUnit(unit: PrincipalUnit): Principal {
    return new Principal(unit, this.roles, this.credentialId, this.expiresAt);
  }

  /** The command line on the hub's own machine acts as the office with every role. */
  static commandLine(office: PrincipalUnit): Principal {
    return new Principal(office, ALL_ROLES, null);
  }

  get roles(): Role[] {
    return [...this.roleSet];
  }

  get isOffice(): boolean {
    return this.unit.isOffice;
  }

  has(role: Role): boolean {
    return this.roleSet.has(role);
  }
}
