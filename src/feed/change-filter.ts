/**
 * Which changes a consumer receives: those its unit may see (the visibility rule of access/visibility, decided in
 * memory from the sharing columns stored on each change) that pass its filter. One function serves the polling
 * query, the replay and the live fan-out, so all three answer alike.
 */
import { canSee } from '../access/visibility';
import type { Principal } from '../access/principal';
import type { ChangeKind, ChangeTopic } from '../change-log/change-log';
import type { StoredChange } from '../change-log/change-reader';

/** A filter as the service holds it: every criterion given must hold; unit codes already turned into ids. */
export interface ChangeFilterSpec {
  topics?: ChangeTopic[] | null;
  kinds?: ChangeKind[] | null;
  listTypes?: string[] | null;
  /** At least this severe (1 RED … 4 BLUE): ORANGE means ORANGE or RED; changes without a level do not pass. */
  minRiskLevel?: number | null;
  regionPrefix?: string | null;
  usccs?: string[] | null;
  caseIds?: string[] | null;
  actingUnitIds?: string[] | null;
}

/** A compiled test of one consumer: visibility first, then the filter. */
export type ChangeTest = (change: StoredChange) => boolean;

export function changeTest(principal: Principal, filter: ChangeFilterSpec): ChangeTest {
  const set = <T>(values: readonly T[] | null | undefined) => (values?.length ? new Set(values) : null);
  const topics = set(filter.topics);
  const kinds = set(filter.kinds);
  const listTypes = set(filter.listTypes);
  const usccs = set(filter.usccs);
  const caseIds = set(filter.caseIds);
  const actors = set(filter.actingUnitIds);
  const { minRiskLevel, regionPrefix } = filter;
  return (change) =>
    canSee(principal, change.sharing) &&
    (!topics || topics.has(change.topic)) &&
    (!kinds || kinds.has(change.kind)) &&
    (!listTypes || (change.listType !== null && listTypes.has(change.listType))) &&
    (minRiskLevel == null || (change.riskLevel !== null && change.riskLevel <= minRiskLevel)) &&
    (!regionPrefix || (change.regionCode !== null && change.regionCode.startsWith(regionPrefix))) &&
    (!usccs || (change.uscc !== null && usccs.has(change.uscc))) &&
    (!caseIds || (change.caseId !== null && caseIds.has(change.caseId))) &&
    (!actors || (change.actingUnit !== null && actors.has(change.actingUnit.id)));
}
