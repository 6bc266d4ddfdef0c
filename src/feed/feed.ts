/**
 * The live change feed of one hub instance, its fan-out to the subscriptions (DESIGN.md invariants 3–5).
 *
 * - One tail per instance (tail.ts) reads the log after its position whenever it is woken — a commit in this
 *   process, a NOTIFY from another instance (notifier.ts), or the slow safety poll — and the feed offers each
 *   batch, in commit order, to every live subscription. The log is the truth: a lost wake-up only delays a change
 *   until the next one. The tail keeps the most recent changes it read (`recentLimit`), from which subscriptions
 *   catch up without a query of their own.
 * - A subscription with a cursor first replays the log after it, at the pace its consumer reads, then turns live
 *   at a moment when it has read at least as far as the tail; from then on it takes the tail's changes after its
 *   own position, so the hand-over has no gap and no duplicate.
 * - Visibility and the filter are decided in memory from the columns stored on each change (change-filter.ts).
 * - A live subscription holds at most `queueLimit` changes its consumer has not taken. A burst larger than that
 *   (one publication of 100,000 entries) does not end it: it drops what it holds and catches up again from the
 *   last change it delivered, at its consumer's pace. A consumer that takes nothing for `stallMs` while changes
 *   wait for it is not reading: its operation ends with SUBSCRIBER_BEHIND carrying the cursor of the last change
 *   it delivered. So memory stays bounded, and nobody waits for anybody.
 * - What a subscription may see follows its key and unit as the log tells (subscriber-access.ts): a revocation or
 *   a unit's deactivation ends the subscriptions of the key or unit on every instance when its tail reads it, a
 *   new kind or region of the unit applies from its position on; a key's expiry ends them by a timer at the
 *   instant (expiry-timers.ts). A key that stopped working before its subscription opened cannot open one.
 */
import type { Logger } from 'pino';
import type { Principal } from '../access/principal';
import type { Orm } from '../db/orm';
import type { ChangeFilterSpec } from './change-filter';
import type { StoredChange } from '../change-log/change-reader';
import { comparePositions, type ChangeCursors, type Position } from '../change-log/cursor';
import { ExpiryTimers } from './expiry-timers';
import { EndedAccess, expiredError, type KeyEndedError } from './subscriber-access';
import { ChangeSubscription } from './subscription';
import { ChangeTail, type TailOptions } from './tail';

export { ChangeSubscription };

/** Settings of a {@link Feed}. */
export interface FeedOptions extends TailOptions {
  /** Milliseconds between safety polls of the log (FEED_POLL_MS); stalled consumers are looked for as often. */
  pollMs: number;
  /** Changes a live subscription may hold for its consumer before it catches up from the log instead (FEED_QUEUE_LIMIT). */
  queueLimit: number;
  /** Milliseconds a consumer may take nothing while changes wait for it before SUBSCRIBER_BEHIND (FEED_STALL_MS). */
  stallMs: number;
  /** Seals the cursor SUBSCRIBER_BEHIND carries. */
  cursors: ChangeCursors;
}

/**
 * Where a subscription starts: replaying the log after a cursor, or live from a position (the head, "now"); and
 * `freshAt`, the head of the log as of the snapshot its caller was read in (default: the live start).
 */
export type SubscriptionStart = ({ after: Position } | { from: Position }) & { freshAt?: Position };

/** The live change feed of one hub instance: its subscriptions, fed by its tail (tail.ts). */
export class Feed {
  private readonly subscriptions = new Set<ChangeSubscription>();
  private timer?: NodeJS.Timeout;
  /** The revocations and deactivations the tail has read. */
  private readonly ended = new EndedAccess();
  /** The open subscriptions of each key. */
  private readonly byKey = new Map<string, Set<ChangeSubscription>>();
  private readonly expiry = new ExpiryTimers((credentialId, at) => this.endKey(credentialId, expiredError(at)));
  private readonly tail: ChangeTail;

  constructor(
    orm: Orm,
    private readonly log: Logger,
    readonly options: FeedOptions,
  ) {
    this.tail = new ChangeTail(orm, options, {
      subscribed: () => this.subscriptions.size > 0,
      offer: (batch) => this.offer(batch),
      skipped: (endings) => endings.forEach((ending) => this.ended.note(ending)),
      warn: (message, error) => this.warn(message, error),
    });
  }

  /** Starts at the head of the log and starts the safety poll. */
  async start(): Promise<void> {
    await this.tail.start();
    this.timer = setInterval(() => {
      this.wake();
      this.endStalled();
    }, this.options.pollMs);
    this.timer.unref();
  }

  /**
   * Ends every subscription (after what each holds) and the poll, and resolves once the tail's read in flight is
   * over: the database may be closed then without a statement of the feed still holding a connection.
   */
  async stop(): Promise<void> {
    const reading = this.tail.stop();
    clearInterval(this.timer);
    this.expiry.stop();
    for (const subscription of this.subscriptions) subscription.end(null);
    await reading;
  }

  /** How far the tail has read: the position of the last change offered to live subscriptions. */
  get tailPosition(): Position {
    return this.tail.at;
  }

  /** How many subscriptions are open on this instance. */
  get size(): number {
    return this.subscriptions.size;
  }

  /** Something may have been committed: read the log (at most one read at a time; a wake during one repeats it). */
  wake(): void {
    this.tail.wake();
  }

  /**
   * Opens a subscription for `principal` with its filter; UNAUTHENTICATED when its key stopped working (a
   * revocation or deactivation the tail read after `start.freshAt`, or its expiry). A live start behind the tail
   * (the tail read on while the subscriber was being prepared) catches up from there first, so nothing between
   * is lost.
   */
  open(principal: Principal, filter: ChangeFilterSpec, start: SubscriptionStart): ChangeSubscription {
    const from = 'after' in start ? start.after : start.from;
    const freshAt = start.freshAt ?? from;
    const refusal = this.ended.refusal(principal, freshAt);
    if (refusal) throw refusal;
    const replay = 'after' in start || comparePositions(from, this.tail.at) < 0;
    const subscription = new ChangeSubscription(this, principal, filter, from, freshAt, replay);
    this.subscriptions.add(subscription);
    const key = principal.credentialId;
    if (key) {
      const ofKey = this.byKey.get(key) ?? new Set();
      this.byKey.set(key, ofKey.add(subscription));
      if (principal.expiresAt) this.expiry.watch(key, principal.expiresAt);
    }
    return subscription;
  }

  /** The callers of the open subscriptions of a unit, as each sees now (for the operator and the tests). */
  callersOf(unitId: string): Principal[] {
    return [...this.subscriptions].filter((s) => s.principal.unit.id === unitId).map((s) => s.principal);
  }

  /** @internal A subscription that ended leaves. */
  forget(subscription: ChangeSubscription): void {
    if (!this.subscriptions.delete(subscription)) return;
    const key = subscription.principal.credentialId;
    const ofKey = key ? this.byKey.get(key) : undefined;
    if (!key || !ofKey) return;
    ofKey.delete(subscription);
    if (ofKey.size) return;
    this.byKey.delete(key);
    this.expiry.unwatch(key);
  }

  /** Ends every open subscription of a key at once. */
  private endKey(credentialId: string, failure: KeyEndedError): void {
    for (const subscription of this.byKey.get(credentialId) ?? []) subscription.end(failure);
  }

  /** @internal A failure worth the operator's attention that the feed recovers from by itself. */
  warn(message: string, error: unknown): void {
    this.log.warn({ err: { message: (error as Error)?.message, code: (error as { code?: string })?.code } }, message);
  }

  /** @internal The changes after `after` for a subscription catching up: from the tail's recent ones when they reach back. */
  read(after: Position): Promise<StoredChange[]> {
    return this.tail.read(after);
  }

  /** The tail read a batch: revocations and deactivations end their subscriptions, then every one is offered it. */
  private offer(batch: StoredChange[]): void {
    // A revocation or deactivation ends its subscriptions at once, live or still catching up far behind it.
    for (const change of batch) {
      const ending = this.ended.note(change);
      if (!ending) continue;
      const ofKey = 'credentialId' in ending ? (this.byKey.get(ending.credentialId) ?? []) : this.subscriptions;
      for (const subscription of ofKey) subscription.endBy(change);
    }
    for (const subscription of this.subscriptions) subscription.offer(batch);
    this.endStalled();
  }

  /** Ends the subscriptions whose consumers have taken nothing for `stallMs` while changes wait for them. */
  private endStalled(): void {
    const now = Date.now();
    for (const subscription of this.subscriptions) subscription.endIfStalled(now);
  }
}
