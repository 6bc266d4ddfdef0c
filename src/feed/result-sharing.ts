/**
 * The execution results of `changes` subscriptions over WebSocket, shared: each change's result is computed once
 * per (visibility class, operation) and handed to every subscription that asks the same. The visibility class is
 * {@link visibilityKey} of the subscription's caller as it is at that change (it follows a change of the unit's
 * kind): the fields every visibility rule and the masking read, so a result is never handed to a caller who may
 * see less than the one it was made for.
 */
import { execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Principal } from '../access/principal';
import { visibilityKey } from '../access/visibility';
import type { StoredChange } from '../change-log/change-reader';
import type { ChangeSubscription } from './feed';

/** A context that can be made afresh for each delivery, for its caller as it is then: a new EntityManager fork and DataLoaders. */
export interface FreshContext {
  fresh(principal: Principal): { settle<R extends object>(result: R): R };
}

/**
 * Results kept for sharing: live subscribers take a change within moments of each other, so a window of recent
 * results is enough; a larger one only keeps garbage alive.
 */
const SHARED_RESULTS_MAX = 10_000;
/** Distinct (visibility class, operation) pairs remembered. */
const GROUPS_MAX = 10_000;

/** The shared results of one hub instance. */
export class ResultSharing {
  private readonly shared = new Map<string, Promise<ExecutionResult>>();
  /** Numbers for each (visibility class, operation) asked; never reused, so forgetting old ones mixes nothing up. */
  private readonly groups = new Map<string, number>();
  private lastGroup = 0;
  /** How many subscriptions take results of each group now. */
  private readonly members = new Map<number, number>();

  /**
   * The results of `subscription` for the operation of `args`. A plain iterator, not an async generator: its
   * `return` (the client completes, the socket closes) ends the subscription at once, also while it waits for the
   * next change. A subscription ended by the feed (SUBSCRIBER_BEHIND, a revoked key) throws its error, which
   * graphql-ws sends as the operation's error message.
   */
  results(subscription: ChangeSubscription, args: ExecutionArgs & { contextValue: FreshContext }): AsyncIterableIterator<ExecutionResult> {
    const operation = `${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${print(args.document)}`;
    // The group of the caller as it is now; joined again when the subscription's caller changes (a new kind).
    let caller: Principal | null = null;
    let joined = 0;
    const leave = () => {
      if (caller === null) return;
      caller = null;
      const remaining = this.members.get(joined)! - 1;
      if (remaining) this.members.set(joined, remaining);
      else this.members.delete(joined);
    };
    const join = () => {
      if (caller === subscription.principal) return;
      leave();
      caller = subscription.principal;
      joined = this.group(`${visibilityKey(caller)}\u0000${operation}`);
      this.members.set(joined, (this.members.get(joined) ?? 0) + 1);
    };
    join();
    const execution = (change: StoredChange) => {
      const contextValue = args.contextValue.fresh(subscription.principal);
      const result = execute({ ...args, rootValue: change, contextValue });
      // The executing context hands what it saw (personal data let out) to the result, for every subscriber it reaches.
      return result instanceof Promise ? result.then((done) => contextValue.settle(done)) : contextValue.settle(result);
    };
    const resultOf = (change: StoredChange): Promise<ExecutionResult> | ExecutionResult => {
      join();
      // Alone in its group (a consumer catching up from its own cursor): nothing to share, nothing to keep.
      if (this.members.get(joined) === 1) return execution(change);
      const key = `${joined}:${change.position.seq}:${change.position.ordinal}`;
      let result = this.shared.get(key);
      if (!result) {
        result = Promise.resolve(execution(change));
        this.shared.set(key, result);
        if (this.shared.size > SHARED_RESULTS_MAX) this.shared.delete(this.shared.keys().next().value!);
        // A result with errors (a database hiccup in a nested field) is nobody else's.
        void result.then((done) => done.errors && this.shared.delete(key));
      }
      return result;
    };
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next() {
        try {
          const item = await subscription.next();
          if (item.done) {
            leave();
            return item;
          }
          return { value: await subscription.busy(resultOf(item.value)), done: false };
        } catch (error) {
          leave();
          await subscription.return();
          throw error;
        }
      },
      async return() {
        leave();
        await subscription.return();
        return { value: undefined, done: true };
      },
    };
  }

  /** The number of a (visibility class, operation) pair. */
  private group(asked: string): number {
    let group = this.groups.get(asked);
    if (group === undefined) {
      if (this.groups.size >= GROUPS_MAX) this.groups.clear();
      this.groups.set(asked, (group = ++this.lastGroup));
    }
    return group;
  }
}
