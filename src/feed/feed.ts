/**
 * The live change feed of one hub instance (DESIGN.md invariants 3–5).
 *
 * - One tail per instance reads the log after its position whenever it is woken — a commit in this process, a
 *   NOTIFY from another instance (notifier.ts), or the slow safety poll — and offers each batch, in commit order,
 *   to every live subscription. The log is the truth: a lost wake-up only delays a change until the next one.
 *   The tail keeps the most recent changes it read (`recentLimit`), from which subscriptions catch up without a
 *   query of their own.
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
import { ChangeReader, type StoredChange } from '../change-log/change-reader';
import { comparePositions, START, type ChangeCursors, type Position } from '../change-log/cursor';
import { ExpiryTimers } from './expiry-timers';
import { EndedAccess, expiredError, type KeyEndedError } from './subscriber-access';
import { ChangeSubscription } from './subscription';

export { ChangeSubscription };

/** Settings of a {@link Feed}. */
export interface FeedOptions {
  /** Milliseconds between safety polls of the log (FEED_POLL_MS); stalled consumers are looked for as often. */
  pollMs: number;
  /** Changes a live subscription may hold for its consumer before it catches up from the log instead (FEED_QUEUE_LIMIT). */
  queueLimit: number;
  /** Milliseconds a consumer may take nothing while changes wait for it before SUBSCRIBER_BEHIND (FEED_STALL_MS). */
  stallMs: number;
  /** Changes read from the log per statement, by the tail and by a replay. */
  batchSize: number;
  /** Most recent changes the tail keeps for subscriptions that catch up. */
  recentLimit: number;
  /** Seals the cursor SUBSCRIBER_BEHIND carries. */
  cursors: ChangeCursors;
}

/**
 * Where a subscription starts: replaying the log after a cursor, or live from a position (the head, "now"); and
 * `freshAt`, the head of the log as of the snapshot its caller was read in (default: the live start).
 */
export type SubscriptionStart = ({ after: Position } | { from: Position }) & { freshAt?: Position };

/** How long one read of the log may take before it counts as failed (a connection cut without a word). */
const READ_DEADLINE_MS = 30_000;

/** The live change feed of one hub instance: its tail, its subscriptions and the recent changes. */
export class Feed {
  private position: Position = START;
  private readonly subscriptions = new Set<ChangeSubscription>();
  /** The tail's read in flight, if any. */
  private reading: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** The most recent changes the tail read, contiguous after {@link recentFrom}, oldest first. */
  private recent: StoredChange[] = [];
  private recentFrom: Position = START;
  /** The revocations and deactivations the tail has read. */
  private readonly ended = new EndedAccess();
  /** The open subscriptions of each key. */
  private readonly byKey = new Map<string, Set<ChangeSubscription>>();
  private readonly expiry = new ExpiryTimers((credentialId, at) => this.endKey(credentialId, expiredError(at)));

  constructor(
    private readonly orm: Orm,
    private readonly log: Logger,
    readonly options: FeedOptions,
  ) {}

  /** Starts at the head of the log and starts the safety poll. */
  async start(): Promise<void> {
    this.position = await new ChangeReader(this.orm.em.fork()).head();
    this.recentFrom = this.position;
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
    this.stopped = true;
    clearInterval(this.timer);
    this.expiry.stop();
    for (const subscription of this.subscriptions) subscription.end(null);
    await this.reading;
  }

  /** How far the tail has read: the position of the last change offered to live subscriptions. */
  get tailPosition(): Position {
    return this.position;
  }

  /** How many subscriptions are open on this instance. */
  get size(): number {
    return this.subscriptions.size;
  }

  /** Something may have been committed: read the log (at most one read at a time; a wake during one repeats it). */
  wake(): void {
    if (this.stopped) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.tail().finally(() => (this.reading = null));
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
    const replay = 'after' in start || comparePositions(from, this.position) < 0;
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

  /** @internal The changes after `after` for a subscription catching up: from the recent ones when they reach back. */
  async read(after: Position): Promise<StoredChange[]> {
    if (comparePositions(after, this.recentFrom) >= 0) {
      let low = 0;
      let high = this.recent.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (comparePositions(this.recent[middle].position, after) <= 0) low = middle + 1;
        else high = middle;
      }
      if (low < this.recent.length || comparePositions(after, this.position) >= 0) {
        return this.recent.slice(low, low + this.options.batchSize);
      }
    }
    return this.readLog(after);
  }

  private readLog(after: Position): Promise<StoredChange[]> {
    const read = new ChangeReader(this.orm.em.fork()).after(after, this.options.batchSize);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading the change log took more than ${READ_DEADLINE_MS} ms`)), READ_DEADLINE_MS);
      timer.unref();
    });
    return Promise.race([read, deadline]).finally(() => clearTimeout(timer));
  }

  private async tail(): Promise<void> {
    try {
      do {
        this.again = false;
        if (!this.subscriptions.size && (await this.skipToHead())) continue;
        for (;;) {
          const batch = await this.readLog(this.position);
          if (!batch.length || this.stopped) break;
          // Position, recent changes and offer in one synchronous step: a replay that turns live compares against
          // this position.
          this.position = batch[batch.length - 1].position;
          this.remember(batch);
          this.offer(batch);
          if (batch.length < this.options.batchSize) break;
        }
      } while (this.again && !this.stopped);
    } catch (error) {
      // The database is away (a restart, a cut connection): the next wake or poll reads again from here.
      if (!this.stopped) this.warn('change feed: reading the log failed; retrying at the next wake-up', error);
    }
  }

  /**
   * With nobody subscribed, the tail does not read the changes themselves (a 100,000-entry publication would cost
   * seconds and hundreds of MB for nobody): it moves to the head, keeping only the revocations and deactivations.
   * Does nothing (false) when a subscription opened meanwhile; one opening later starts behind the tail and
   * catches up from the log.
   */
  private async skipToHead(): Promise<boolean> {
    const reader = new ChangeReader(this.orm.em.fork());
    const head = await reader.head();
    if (comparePositions(head, this.position) <= 0) return true;
    const endings = await reader.endingsBetween(this.position, head.seq);
    if (this.subscriptions.size || this.stopped) return false;
    for (const ending of endings) this.ended.note(ending);
    this.position = head;
    this.recent = [];
    this.recentFrom = head;
    return true;
  }

  private remember(batch: StoredChange[]): void {
    this.recent.push(...batch);
    const excess = this.recent.length - this.options.recentLimit;
    if (excess > 0) {
      this.recentFrom = this.recent[excess - 1].position;
      this.recent = this.recent.slice(excess);
    }
  }

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
