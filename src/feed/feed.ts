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
 * - A revoked key's subscriptions end on every instance when its tail reads the revocation from the log; a key
 *   revoked before its subscription opened cannot open one.
 */
import type { Logger } from 'pino';
import type { Principal } from '../access/principal';
import type { Orm } from '../db/orm';
import { ErrorCode, HubError } from '../graphql/errors';
import { ChangeKind, ChangeTopic } from './change-log';
import type { ChangeTest } from './change-filter';
import { ChangeReader, type StoredChange } from './change-reader';
import { comparePositions, START, type ChangeCursors, type Position } from './cursor';

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

/** Where a subscription starts: replaying the log after a cursor, or live from a position (the head, "now"). */
export type SubscriptionStart = { after: Position } | { from: Position };

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
  /** Credentials whose revocation the tail has read (revocations are rare: kept for the process's life). */
  private readonly revoked = new Set<string>();

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
   * Opens a subscription for `principal`; UNAUTHENTICATED when its key's revocation has already been read. A live
   * start behind the tail (the tail read on while the subscriber was being prepared) catches up from there first,
   * so nothing between is lost.
   */
  open(principal: Principal, test: ChangeTest, start: SubscriptionStart): ChangeSubscription {
    if (principal.credentialId && this.revoked.has(principal.credentialId)) {
      throw new HubError(ErrorCode.UNAUTHENTICATED, 'the key has been revoked');
    }
    const from = 'after' in start ? start.after : start.from;
    const replay = 'after' in start || comparePositions(from, this.position) < 0;
    const subscription = new ChangeSubscription(this, principal, test, from, replay);
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** @internal A subscription that ended leaves. */
  forget(subscription: ChangeSubscription): void {
    this.subscriptions.delete(subscription);
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
   * seconds and hundreds of MB for nobody): it moves to the head, keeping only the revocations. Does nothing (false)
   * when a subscription opened meanwhile; one opening later starts behind the tail and catches up from the log.
   */
  private async skipToHead(): Promise<boolean> {
    const reader = new ChangeReader(this.orm.em.fork());
    const head = await reader.head();
    if (comparePositions(head, this.position) <= 0) return true;
    const revoked = await reader.revokedBetween(this.position, head.seq);
    if (this.subscriptions.size || this.stopped) return false;
    for (const id of revoked) this.revoked.add(id);
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
    for (const change of batch) {
      if (change.topic !== ChangeTopic.CREDENTIAL || change.kind !== ChangeKind.REVOKED) continue;
      this.revoked.add(change.entityId);
      for (const subscription of this.subscriptions) {
        if (subscription.principal.credentialId === change.entityId) subscription.end(revokedError());
      }
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

function revokedError(): HubError {
  return new HubError(ErrorCode.UNAUTHENTICATED, 'the key has been revoked');
}

/**
 * One consumer's stream of changes: an async iterator of the changes it may see and asked for, in commit order.
 * It throws a {@link HubError} when the feed ends it (SUBSCRIBER_BEHIND, UNAUTHENTICATED).
 */
export class ChangeSubscription implements AsyncIterableIterator<StoredChange> {
  /** The last change this subscription considered (taken or filtered out). */
  private cursor: Position;
  /** The last change handed to the consumer: where to resume after SUBSCRIBER_BEHIND. */
  private delivered: Position;
  /** Taking the tail's batches; otherwise catching up from the log. */
  private live: boolean;
  /** Changes waiting for the consumer: `queue[head]` onwards (shifting a long array costs its length). */
  private queue: StoredChange[] = [];
  private head = 0;
  private ended = false;
  private failure: HubError | null = null;
  private waiting: (() => void) | null = null;
  /** The consumer is taking a change (inside `next`) or making its result ({@link busy}). */
  private taking = false;
  private working = false;
  /** When the consumer last took a change or asked for one. */
  private lastTaken = Date.now();
  /** The batch being read ahead while the consumer takes the current one. */
  private ahead: { after: Position; batch: Promise<StoredChange[]> } | null = null;

  constructor(
    private readonly feed: Feed,
    readonly principal: Principal,
    private readonly test: ChangeTest,
    from: Position,
    replay: boolean,
  ) {
    this.cursor = from;
    this.delivered = from;
    this.live = !replay;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<StoredChange>> {
    this.taking = true;
    this.lastTaken = Date.now();
    try {
      for (;;) {
        if (this.head < this.queue.length) {
          const change = this.queue[this.head++];
          if (this.head === this.queue.length) this.clearQueue();
          this.delivered = change.position;
          return { value: change, done: false };
        }
        if (this.ended) {
          this.feed.forget(this);
          if (this.failure) {
            const failure = this.failure;
            this.failure = null;
            throw failure;
          }
          return { value: undefined, done: true };
        }
        if (this.live) await new Promise<void>((resolve) => (this.waiting = resolve));
        else await this.catchUpOrWait();
      }
    } finally {
      this.taking = false;
      this.lastTaken = Date.now();
    }
  }

  /** The consumer is done (completed, or its socket closed): nothing more is handed out. */
  async return(): Promise<IteratorResult<StoredChange>> {
    this.clearQueue();
    this.end(null);
    this.feed.forget(this);
    return { value: undefined, done: true };
  }

  /** Marks the time the consumer spends making a taken change's result as taking, not stalling. */
  async busy<T>(work: Promise<T> | T): Promise<T> {
    this.working = true;
    try {
      return await work;
    } finally {
      this.working = false;
      this.lastTaken = Date.now();
    }
  }

  /** @internal The tail's batch: the changes after this subscription's position that pass its test. */
  offer(batch: StoredChange[]): void {
    if (!this.live || this.ended) return;
    for (const change of batch) {
      if (comparePositions(change.position, this.cursor) <= 0) continue;
      this.cursor = change.position;
      if (!this.test(change)) continue;
      this.queue.push(change);
      if (this.queue.length - this.head > this.feed.options.queueLimit) {
        // Too much at once: catch up from the log after the last change delivered, at the consumer's pace.
        this.clearQueue();
        this.cursor = this.delivered;
        this.live = false;
        break;
      }
    }
    this.wakeUp();
  }

  /** @internal Ends the subscription with SUBSCRIBER_BEHIND when its consumer has stopped taking changes. */
  endIfStalled(now: number): void {
    const changesWait = this.head < this.queue.length || !this.live;
    if (this.ended || this.taking || this.working || !changesWait || now - this.lastTaken < this.feed.options.stallMs) return;
    this.end(
      new HubError(ErrorCode.SUBSCRIBER_BEHIND, `the subscriber took no change for ${this.feed.options.stallMs} ms while changes waited; resubscribe with after: cursor`, {
        cursor: this.feed.options.cursors.encode(this.delivered),
      }),
    );
    this.feed.forget(this);
  }

  /** Ends the subscription: after what it holds (null), or at once with an error. */
  end(failure: HubError | null): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    if (failure) this.clearQueue();
    this.wakeUp();
  }

  /** Catches up one batch; when the log cannot be read, waits a moment and lets the caller try again. */
  private async catchUpOrWait(): Promise<void> {
    try {
      await this.catchUp();
    } catch (error) {
      this.feed.warn('change feed: a subscription could not read the log; retrying', error);
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.feed.options.pollMs, 1_000)).unref());
    }
  }

  /**
   * Reads one batch after this subscription's position; turns live once it has caught up with the tail. While the
   * consumer takes a full batch, the next one is already being read.
   */
  private async catchUp(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    const batch = ahead && comparePositions(ahead.after, this.cursor) === 0 ? await ahead.batch : await this.feed.read(this.cursor);
    if (this.ended) return;
    for (const change of batch) {
      this.cursor = change.position;
      if (change.topic === ChangeTopic.CREDENTIAL && change.kind === ChangeKind.REVOKED && change.entityId === this.principal.credentialId) {
        return this.end(revokedError());
      }
      if (this.test(change)) this.queue.push(change);
    }
    if (batch.length === this.feed.options.batchSize) {
      const read = this.feed.read(this.cursor);
      read.catch(() => undefined); // a failed read ahead is read again when its turn comes
      this.ahead = { after: this.cursor, batch: read };
      return;
    }
    // No await between this check and the switch: the tail cannot offer a batch in between.
    if (comparePositions(this.cursor, this.feed.tailPosition) >= 0) this.live = true;
  }

  private clearQueue(): void {
    this.queue = [];
    this.head = 0;
  }

  private wakeUp(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}
