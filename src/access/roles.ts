/**
 * What a credential may do (DESIGN.md "Identity and access"). What it may see follows its unit, not its roles.
 */
export enum Role {
  /** Write the unit's own lists and case entries. */
  PUBLISH = 'PUBLISH',
  /** Query the shared lists, ledgers and enterprises. */
  READ = 'READ',
  /** Subscribe to live changes over WebSocket. */
  SUBSCRIBE = 'SUBSCRIBE',
  /** Aggregates and exports. */
  ANALYZE = 'ANALYZE',
  /** See a legal representative's ID number and phone unmasked. */
  PERSONAL_DATA = 'PERSONAL_DATA',
  /** Administration; only the office's credentials may hold it. */
  ADMIN = 'ADMIN',
}

export const ALL_ROLES: readonly Role[] = Object.values(Role);

/** Parses role names (e.g. from the command line); unknown names are returned in `unknown`. */
export function parseRoles(names: readonly string[]): { roles: Role[]; unknown: string[] } {
  const roles: Role[] = [];
  const unknown: string[] = [];
  for (const raw of names) {
    const name = raw.trim().toUpperCase();
    if (!name) continue;
    if ((ALL_ROLES as string[]).includes(name)) {
      if (!roles.includes(name as Role)) roles.push(name as Role);
    } else unknown.push(raw);
  }
  return { roles, unknown };
}
