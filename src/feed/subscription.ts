/**
 * One subscription of the live change feed (feed.ts): it takes the tail's batches while live and catches up from
 * the log at its consumer's pace otherwise, tests each change against its caller's visibility and its filter,
 * and follows what the log says of its key and unit (subscriber-access.ts) in commit order.
 */
import type { Principal } from '../access/principal';
import { ErrorCode, HubError } from '../errors';
import { changeTest, type ChangeFilterSpec, type ChangeTest } from './change-filter';
import type { StoredChange } from '../change-log/change-reader';
import { comparePositions, type Position } from '../change-log/cursor';
import type { Feed } from './feed';
import { effectOn } from './subscriber-access';

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
  private caller: Principal;
  private test: ChangeTest;
  /**
   * The callers replaced by changes after the last change delivered, oldest first, each with the position of the
   * change that replaced it: a catch-up from the last change delivered starts with the first.
   */
  private replaced: { at: Position; caller: Principal }[] = [];

  constructor(
    private readonly feed: Feed,
    principal: Principal,
    private readonly filter: ChangeFilterSpec,
    from: Position,
    /** The position its caller was read as of (subscriber-access.ts). */
    private readonly freshAt: Position,
    replay: boolean,
  ) {
    this.caller = principal;
    this.test = changeTest(principal, filter);
    this.cursor = from;
    this.delivered = from;
    this.live = !replay;
  }

  /** The caller as this subscription sees now: replaced when its unit's kind, region or name changes. */
  get principal(): Principal {
    return this.caller;
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
          while (this.replaced.length && comparePositions(this.replaced[0].at, change.position) <= 0) this.replaced.shift();
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
      if (!this.follow(change)) return;
      if (!this.test(change)) continue;
      this.queue.push(change);
      if (this.queue.length - this.head > this.feed.options.queueLimit) {
        // Too much at once: catch up from the log after the last change delivered, at the consumer's pace, with
        // the caller as it was there (a change of its unit since is read again and applies again).
        this.clearQueue();
        this.cursor = this.delivered;
        if (this.replaced.length) this.become(this.replaced[0].caller);
        this.replaced = [];
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
      new HubError(
        ErrorCode.SUBSCRIBER_BEHIND,
        `the subscriber took no change for ${this.feed.options.stallMs} ms while changes waited; resubscribe with after: cursor`,
        {
          cursor: this.feed.options.cursors.encode(this.delivered),
        },
      ),
    );
    this.feed.forget(this);
  }

  /** @internal A revocation or deactivation the tail read: ends this subscription if it is its key's or unit's. */
  endBy(change: StoredChange): void {
    const effect = effectOn(this.caller, this.freshAt, change);
    if (effect instanceof HubError) this.end(effect);
  }

  /**
   * Applies what a change of the log does to this subscription's caller (subscriber-access.ts); false when it
   * ended the subscription.
   */
  private follow(change: StoredChange): boolean {
    const effect = effectOn(this.caller, this.freshAt, change);
    if (effect === null) return true;
    if (effect instanceof HubError) {
      this.end(effect);
      return false;
    }
    this.replaced.push({ at: change.position, caller: this.caller });
    this.become(effect);
    return true;
  }

  private become(caller: Principal): void {
    this.caller = caller;
    this.test = changeTest(caller, this.filter);
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
      if (!this.follow(change)) return;
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
