/**
 * A key's expiry ends its open subscriptions at the expiry instant: one timer per key with open subscriptions
 * on this instance, at its `expiresAt` (never earlier: a timer that fires early, or one longer than a timer can
 * wait, is set again for the rest). The API cannot move a key's expiry once issued, so the time read when the
 * subscription opened stays true; a key that is revoked instead ends through the log.
 */

/** The longest delay a Node.js timer takes (about 24.8 days); a later expiry is waited for in steps. */
const LONGEST_TIMER_MS = 2_147_483_647;

export class ExpiryTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  /** `expire` is called once per key, at or after its expiry instant, unless the key is {@link unwatch}ed first. */
  constructor(private readonly expire: (credentialId: string, expiresAt: Date) => void) {}

  /** Watches a key's expiry (a key watched already keeps its timer). */
  watch(credentialId: string, expiresAt: Date): void {
    if (this.timers.has(credentialId)) return;
    this.schedule(credentialId, expiresAt);
  }

  /** The key has no open subscription left here. */
  unwatch(credentialId: string): void {
    clearTimeout(this.timers.get(credentialId));
    this.timers.delete(credentialId);
  }

  /** How many keys are watched. */
  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(credentialId: string, expiresAt: Date): void {
    const wait = expiresAt.getTime() - Date.now();
    if (wait <= 0) {
      this.timers.delete(credentialId);
      return this.expire(credentialId, expiresAt);
    }
    const timer = setTimeout(() => this.schedule(credentialId, expiresAt), Math.min(wait, LONGEST_TIMER_MS));
    timer.unref();
    this.timers.set(credentialId, timer);
  }
}
