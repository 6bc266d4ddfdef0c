/**
 * Credentials looked up recently, so that a request can skip its key look-up (issue 11). The invariant: a
 * cached row is used only while this instance would hear of every change to credentials and units — on
 * PostgreSQL while its NOTIFY listener is connected, on the embedded database always (its only writer is this
 * process) — and for at most `CREDENTIAL_CACHE_MS`. Every commit this instance makes or hears of empties the
 * cache (a commit is rare beside reads, and nothing finer is needed for correctness), and so does losing or
 * regaining the listener. A look-up that began before such a commit is not stored (`generation`), so a row read
 * before a revocation cannot outlive it. What is cached is the row, never the verdict: expiry, revocation and
 * deactivation are judged against the clock on every request (authenticate.ts, principalOf).
 *
 * Writes made straight into PostgreSQL, not through the hub, notify nobody: they are seen within
 * `CREDENTIAL_CACHE_MS`.
 */
import type { CredentialRow } from './authenticate';

/** At most this many keys are kept; the oldest go first. */
const MAX_ENTRIES = 10_000;

interface Entry {
  row: CredentialRow;
  storedAt: number;
}

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private listening: boolean;

  /**
   * @param maxAgeMs `CREDENTIAL_CACHE_MS`; 0 turns the cache off.
   * @param alwaysHeard whether every change is heard without a listener (the embedded database).
   */
  constructor(
    private readonly maxAgeMs: number,
    private readonly alwaysHeard: boolean,
    private readonly now: () => number = Date.now,
  ) {
    this.listening = alwaysHeard;
  }

  private get usable(): boolean {
    return this.maxAgeMs > 0 && this.listening;
  }

  /**
   * The row stored for a key's hash, or how to store the row once looked up (unless a commit was heard
   * meanwhile). Unknown keys are never stored: a flood of made-up keys must not push the real ones out.
   */
  lookUp(keyHash: string): { row: CredentialRow } | { store: (row: CredentialRow) => void } {
    const entry = this.usable ? this.entries.get(keyHash) : undefined;
    if (entry && this.now() - entry.storedAt < this.maxAgeMs) return { row: entry.row };
    if (entry) this.entries.delete(keyHash);
    const generation = this.generation;
    const storedAt = this.now();
    return {
      store: (row) => {
        if (!this.usable || generation !== this.generation) return;
        if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(keyHash, { row, storedAt });
      },
    };
  }

  /** A commit was made or heard of: nothing stored before it may be used again. */
  committed(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** The NOTIFY listener connected (true) or lost its connection (false). */
  listener(connected: boolean): void {
    if (this.alwaysHeard) return;
    this.listening = connected;
    this.committed();
  }

  /** Keys stored now (for tests and the log). */
  get size(): number {
    return this.entries.size;
  }
}
