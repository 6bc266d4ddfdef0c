/**
 * The tail of the change log, one per hub instance: what it keeps (DESIGN.md invariants 3–4).
 *
 * - Its position only moves forward, to the last change it read; each batch is handed on (to the fan-out, feed.ts)
 *   in commit order in the same synchronous step that moves the position and keeps the batch among the recent
 *   changes, so a subscription turning live compares against a position whose changes it has been offered.
 * - The recent changes are contiguous after `recentFrom` and end at the position: a catch-up read served from them
 *   is the read of the log it replaces.
 * - At most one read of the log is in flight; a wake during one repeats it. A failed or overdue read moves nothing:
 *   the next wake reads again from the same position, so a lost wake-up only delays a change.
 * - With nobody subscribed it skips to the head without reading the changes, handing on only the revocations and
 *   deactivations between.
 */
import type { Orm } from '../db/orm';
import { ChangeReader, type Ending, type StoredChange } from '../change-log/change-reader';
import { comparePositions, START, type Position } from '../change-log/cursor';

/** Settings of a {@link ChangeTail}. */
export interface TailOptions {
  /** Changes read from the log per statement, by the tail and by a replay. */
  batchSize: number;
  /** Most recent changes the tail keeps for subscriptions that catch up. */
  recentLimit: number;
}

/** Where the tail hands what it read: the fan-out to the subscriptions. */
export interface TailSink {
  /** Whether any subscription is open (with none, the tail skips to the head). */
  subscribed(): boolean;
  /** A batch read, in commit order, after the position moved to its last change. */
  offer(batch: StoredChange[]): void;
  /** The revocations and deactivations the tail skipped over, in commit order. */
  skipped(endings: Ending[]): void;
  /** A failure the tail recovers from by itself. */
  warn(message: string, error: unknown): void;
}

/** How long one read of the log may take before it counts as failed (a connection cut without a word). */
const READ_DEADLINE_MS = 30_000;

/** The tail of the change log: its position, its read in flight and the recent changes it read. */
export class ChangeTail {
  private position: Position = START;
  /** The tail's read in flight, if any. */
  private reading: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** The most recent changes the tail read, contiguous after {@link recentFrom}, oldest first. */
  private recent: StoredChange[] = [];
  private recentFrom: Position = START;

  constructor(
    private readonly orm: Orm,
    private readonly options: TailOptions,
    private readonly sink: TailSink,
  ) {}

  /** Starts at the head of the log. */
  async start(): Promise<void> {
    this.position = await new ChangeReader(this.orm.em.fork()).head();
    this.recentFrom = this.position;
  }

  /** Reads no more; resolves once the read in flight, if any, is over. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.reading ?? Promise.resolve();
  }

  /** How far the tail has read: the position of the last change handed on. */
  get at(): Position {
    return this.position;
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

  /** The changes after `after` for a subscription catching up: from the recent ones when they reach back. */
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
        if (!this.sink.subscribed() && (await this.skipToHead())) continue;
        for (;;) {
          const batch = await this.readLog(this.position);
          if (!batch.length || this.stopped) break;
          // Position, recent changes and offer in one synchronous step: a replay that turns live compares against
          // this position.
          this.position = batch[batch.length - 1].position;
          this.remember(batch);
          this.sink.offer(batch);
          if (batch.length < this.options.batchSize) break;
        }
      } while (this.again && !this.stopped);
    } catch (error) {
      // The database is away (a restart, a cut connection): the next wake or poll reads again from here.
      if (!this.stopped) this.sink.warn('change feed: reading the log failed; retrying at the next wake-up', error);
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
    if (this.sink.subscribed() || this.stopped) return false;
    this.sink.skipped(endings);
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
}
