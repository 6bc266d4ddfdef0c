/**
 * What a subscription may still see, as the log tells it (issue 10, item 3). A subscription's caller is read in
 * the same statement — the same snapshot — as the head of the log it starts from (`freshAt`): every change up to
 * there is already in it, and every later change of its key or unit applies in commit order as the feed reads it:
 *
 * - CREDENTIAL REVOKED of its key, UNIT DEACTIVATED of its unit: the subscription ends at once with
 *   UNAUTHENTICATED ({@link KeyEndedError}), on every instance, whether it is live or still catching up.
 * - UNIT UPDATED or REACTIVATED of its unit (a new name, kind or region): from that change on the subscription
 *   sees as the unit is now: its caller is replaced, its visibility test and its sharing group follow.
 * - A key's expiry is not in the log: a timer at `expiresAt` ends it (expiry-timers.ts).
 *
 * {@link EndedAccess} remembers the revocations and deactivations the tail has read, so that a subscription
 * opening while one commits cannot slip through: it is refused when the tail read the ending after the snapshot
 * its caller was read in.
 */
import type { Principal } from '../access/principal';
import { ErrorCode, HubError } from '../errors';
import type { UnitKind } from '../access/unit-kind';
import { ChangeKind, ChangeTopic } from '../change-log/change-log';
import { comparePositions, type Position } from '../change-log/cursor';

/** UNAUTHENTICATED for a subscription whose key stopped working: revoked, expired, or its unit deactivated. */
export class KeyEndedError extends HubError {
  constructor(message: string) {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

export const revokedError = () => new KeyEndedError('the key has been revoked');
export const deactivatedError = (unitCode: string) => new KeyEndedError(`the key's unit ${unitCode} has been deactivated`);
export const expiredError = (at: Date) => new KeyEndedError(`the key expired at ${at.toISOString()}`);

/** The parts of a change that say what it does to a subscription. */
export interface AccessChange {
  position: Position;
  topic: ChangeTopic | string;
  kind: ChangeKind | string;
  entityId: string;
  payload?: Record<string, unknown>;
}

/** The key or the unit whose subscriptions a change ends (a revocation, a deactivation); null for any other. */
export function endingOf(change: AccessChange): { credentialId: string } | { unitId: string } | null {
  if (change.topic === ChangeTopic.CREDENTIAL && change.kind === ChangeKind.REVOKED) return { credentialId: change.entityId };
  if (change.topic === ChangeTopic.UNIT && change.kind === ChangeKind.DEACTIVATED) return { unitId: change.entityId };
  return null;
}

/**
 * What `change` does to a subscription of `principal` whose caller was read as of `freshAt`: ends it (the
 * error), gives it the caller as the unit is after the change, or nothing (null; also for changes at or before
 * `freshAt`, which its caller already reflects).
 */
export function effectOn(principal: Principal, freshAt: Position, change: AccessChange): KeyEndedError | Principal | null {
  if (change.topic !== ChangeTopic.UNIT && change.topic !== ChangeTopic.CREDENTIAL) return null;
  const ours = change.topic === ChangeTopic.UNIT ? change.entityId === principal.unit.id : change.entityId === principal.credentialId;
  if (!ours || comparePositions(change.position, freshAt) <= 0) return null;
  if (change.topic === ChangeTopic.CREDENTIAL) return change.kind === ChangeKind.REVOKED ? revokedError() : null;
  if (change.kind === ChangeKind.DEACTIVATED) return deactivatedError(principal.unit.code);
  const unit = change.payload ?? {};
  return principal.withUnit({
    ...principal.unit,
    name: typeof unit.name === 'string' ? unit.name : principal.unit.name,
    kind: typeof unit.kind === 'string' ? (unit.kind as UnitKind) : principal.unit.kind,
    regionCode: typeof unit.regionCode === 'string' ? unit.regionCode : principal.unit.regionCode,
  });
}

/** The revocations and deactivations one instance's tail has read (rare: kept for the process's life). */
export class EndedAccess {
  private readonly revoked = new Set<string>();
  /** Each deactivated unit's last deactivation read. */
  private readonly deactivated = new Map<string, Position>();

  /** Notes what the tail read; returns the key or unit it ends, if it ends one. */
  note(change: AccessChange): ReturnType<typeof endingOf> {
    const ending = endingOf(change);
    if (ending && 'credentialId' in ending) this.revoked.add(ending.credentialId);
    else if (ending) this.deactivated.set(ending.unitId, change.position);
    return ending;
  }

  /**
   * Why `principal`, read as of `freshAt`, may not open a subscription at `now` (null: it may): its key was
   * revoked, its unit deactivated after `freshAt`, or its key has expired.
   */
  refusal(principal: Principal, freshAt: Position, now = new Date()): KeyEndedError | null {
    if (principal.credentialId && this.revoked.has(principal.credentialId)) return revokedError();
    const deactivatedAt = this.deactivated.get(principal.unit.id);
    if (deactivatedAt && comparePositions(deactivatedAt, freshAt) > 0) return deactivatedError(principal.unit.code);
    if (principal.expiresAt && principal.expiresAt <= now) return expiredError(principal.expiresAt);
    return null;
  }
}
