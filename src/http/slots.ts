/**
 * A fixed number of slots taken first come, first served: at most that many holders at a time, a waiter gives up
 * after its wait or when its request closes, and a released slot passes straight to the longest waiter.
 */
import type { EventEmitter } from 'node:events';

/** Gives the slot back (again: nothing). */
export type Release = () => void;

export class Slots {
  private free: number;
  private readonly waiting: ((release: Release) => void)[] = [];

  constructor(count: number) {
    this.free = count;
  }

  /** A slot, or null after `waitMs` or once `owner` emits 'close' (its client went away) without one. */
  take(waitMs: number, owner: EventEmitter): Promise<Release | null> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const granted = (release: Release) => {
        settle();
        resolve(release);
      };
      const giveUp = () => {
        const at = this.waiting.indexOf(granted);
        if (at >= 0) this.waiting.splice(at, 1);
        settle();
        resolve(null);
      };
      const timer = setTimeout(giveUp, waitMs);
      const settle = () => {
        clearTimeout(timer);
        owner.off('close', giveUp);
      };
      owner.once('close', giveUp);
      this.waiting.push(granted);
    });
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(this.releaser());
      else this.free++;
    };
  }
}
