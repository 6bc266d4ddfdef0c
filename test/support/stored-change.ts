/** A change as the change-log reader yields it, made by hand for the feed's unit tests: a SHARED case update unless `over` says otherwise. */
import { Classification } from '../../src/access/classification';
import { ChangeKind, ChangeTopic } from '../../src/change-log/change-log';
import type { StoredChange } from '../../src/change-log/change-reader';
import type { Position } from '../../src/change-log/cursor';

export function storedChange(seq: number, ordinal = 1, over: Partial<StoredChange> = {}): StoredChange {
  const position: Position = { seq, ordinal };
  return {
    position,
    topic: ChangeTopic.CASE,
    kind: ChangeKind.UPDATED,
    occurredAt: new Date(0),
    entityId: `case-${seq}`,
    actingUnit: null,
    actorCredentialId: null,
    sharing: { classification: Classification.SHARED, ownerUnitId: '00000000-0000-4000-8000-0000000000aa', sharedUnitCodes: [], sharedKinds: [] },
    listType: null,
    riskLevel: null,
    regionCode: null,
    uscc: null,
    caseId: null,
    payload: {},
    ...over,
  };
}
