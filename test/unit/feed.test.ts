/**
 * A subscription's life inside the feed (src/feed/feed.ts), without a database: what the tail offers reaches it
 * in order and once; a consumer that completes gets nothing more; one that stops taking is ended with
 * SUBSCRIBER_BEHIND and the cursor of the last change it took, unless it is busy making a result; a burst larger
 * than its queue turns it to catching up; a revoked key cannot open a subscription and ends its open ones; a
 * unit's deactivation ends every subscription of the unit, a change of its kind applies from its position on,
 * and a key's expiry ends its subscriptions at the instant (issue 10, item 3).
 */
import pino from 'pino';
import { Classification, officeOnly } from '../../src/access/classification';
import { Principal } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import { ChangeKind, ChangeTopic } from '../../src/change-log/change-log';
import type { StoredChange } from '../../src/change-log/change-reader';
import { ChangeCursors, START, type Position } from '../../src/change-log/cursor';
import { Feed, type ChangeSubscription } from '../../src/feed/feed';
import { KeyEndedError } from '../../src/feed/subscriber-access';
import { UnitKind } from '../../src/access/unit-kind';
import { storedChange } from '../support/stored-change';

const unit = {
  id: '00000000-0000-4000-8000-000000000001',
  code: 'YC-TAX',
  name: '税务局',
  kind: UnitKind.TAX,
  regionCode: '140800',
  isOffice: false,
};
const credentialId = '00000000-0000-4000-8000-000000000002';
const caller = new Principal(unit, [Role.READ, Role.SUBSCRIBE], credentialId);
const everything = {};

const change = storedChange;

/** A feed that is never started (no database): its tail's offers are made by hand. */
const cursors = new ChangeCursors(Buffer.alloc(32, 7), 0);

function feed(options: Partial<Feed['options']> = {}) {
  const made = new Feed({} as never, pino({ level: 'silent' }), {
    pollMs: 1000,
    queueLimit: 3,
    stallMs: 50,
    batchSize: 10,
    recentLimit: 100,
    cursors,
    ...options,
  });
  const inside = made as unknown as {
    offer(batch: StoredChange[]): void;
    tail: { remember(batch: StoredChange[]): void; position: Position };
  };
  const offer = (batch: StoredChange[]) => inside.offer(batch);
  /** What the tail does with a batch it read: moves on, keeps it among the recent changes, offers it. */
  const read = (batch: StoredChange[]) => {
    inside.tail.position = batch[batch.length - 1].position;
    inside.tail.remember(batch);
    inside.offer(batch);
  };
  return { feed: made, offer, read };
}

/** A change of a unit in the log (topic UNIT, the office only), the unit as it is after it in the payload. */
function unitChange(seq: number, kind: ChangeKind, over: Partial<typeof unit> & { active?: boolean } = {}): StoredChange {
  return change(seq, 1, {
    topic: ChangeTopic.UNIT,
    kind,
    entityId: unit.id,
    sharing: officeOnly('00000000-0000-4000-8000-0000000000ff'),
    payload: { ...unit, active: kind !== ChangeKind.DEACTIVATED, ...over },
  });
}

/** A RESTRICTED change shared with the units of one kind. */
const sharedWithKind = (seq: number, kind: UnitKind) =>
  change(seq, 1, {
    entityId: `case-${seq}`,
    sharing: { classification: Classification.RESTRICTED, ownerUnitId: 'someone-else', sharedUnitCodes: [], sharedKinds: [kind] },
  });

async function take(subscription: ChangeSubscription, count: number): Promise<string[]> {
  const taken: string[] = [];
  for (let i = 0; i < count; i++) {
    const next = await subscription.next();
    if (next.done) break;
    taken.push(next.value.entityId);
  }
  return taken;
}

it('a live subscription gets what the tail offers after its start, in order, once', async () => {
  const { feed: f, offer } = feed();
  const subscription = f.open(caller, everything, { from: { seq: 1, ordinal: 1 } });
  offer([change(1), change(2)]);
  offer([change(2), change(3)]);
  expect(await take(subscription, 2)).toEqual(['case-2', 'case-3']);
});

it('a consumer that completes gets nothing more, even with changes waiting, and leaves the feed', async () => {
  const { feed: f, offer } = feed();
  const subscription = f.open(caller, everything, { from: START });
  offer([change(1), change(2)]);
  expect(await take(subscription, 1)).toEqual(['case-1']);
  await subscription.return();
  expect(await subscription.next()).toEqual({ value: undefined, done: true });
  expect(f.size).toBe(0);
});

it('a consumer waiting for the next change is released at once when it completes', async () => {
  const { feed: f } = feed();
  const subscription = f.open(caller, everything, { from: START });
  const waiting = subscription.next();
  await subscription.return();
  await expect(waiting).resolves.toEqual({ value: undefined, done: true });
});

it('a consumer that stops taking is ended with SUBSCRIBER_BEHIND carrying the cursor of the last change it took', async () => {
  const { feed: f, offer } = feed();
  const subscription = f.open(caller, everything, { from: START });
  offer([change(1), change(2)]);
  expect(await take(subscription, 1)).toEqual(['case-1']);
  await new Promise((resolve) => setTimeout(resolve, 80));
  offer([change(3)]);
  expect(f.size).toBe(0);
  await expect(subscription.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_BEHIND', cursor: cursors.encode(change(1).position) } });
});

it('time spent making a result is taking, not stalling', async () => {
  const { feed: f, offer } = feed();
  const subscription = f.open(caller, everything, { from: START });
  offer([change(1), change(2)]);
  const [first] = await take(subscription, 1);
  expect(first).toBe('case-1');
  await subscription.busy(new Promise((resolve) => setTimeout(resolve, 80)));
  offer([change(3)]);
  expect(f.size).toBe(1);
  expect(await take(subscription, 2)).toEqual(['case-2', 'case-3']);
});

it('an idle consumer with nothing waiting is never stalled', async () => {
  const { feed: f, offer } = feed();
  const subscription = f.open(caller, { caseIds: ['no-such-case'] }, { from: START });
  await new Promise((resolve) => setTimeout(resolve, 80));
  offer([change(1)]);
  expect(f.size).toBe(1);
  await subscription.return();
});

it('a key whose revocation the tail has read cannot open a subscription; its open ones end UNAUTHENTICATED', async () => {
  const { feed: f, offer } = feed();
  const open = f.open(caller, everything, { from: START });
  const other = f.open(new Principal(unit, [Role.SUBSCRIBE], '00000000-0000-4000-8000-000000000003'), everything, { from: START });
  offer([change(1, 1, { topic: ChangeTopic.CREDENTIAL, kind: ChangeKind.REVOKED, entityId: credentialId })]);
  await expect(open.next()).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  expect(() => f.open(caller, everything, { from: START })).toThrow('the key has been revoked');
  expect(f.size).toBe(1);
  await other.return();
});

it("a unit's deactivation ends the subscriptions of every key of the unit at once, even one catching up far behind; another unit's stay", async () => {
  const { feed: f, read } = feed({ batchSize: 2 });
  const otherUnit = { ...unit, id: '00000000-0000-4000-8000-000000000009', code: 'YC-PBOC', kind: UnitKind.PBOC };
  const live = f.open(caller, everything, { from: START });
  const secondKey = f.open(new Principal(unit, [Role.SUBSCRIBE], '00000000-0000-4000-8000-000000000003'), everything, { from: START });
  const bystander = f.open(new Principal(otherUnit, [Role.SUBSCRIBE], '00000000-0000-4000-8000-000000000004'), everything, { from: START });
  read([change(1), change(2), change(3), change(4), change(5), change(6)]);
  // This one replays from the start two changes at a time: far behind the deactivation when it is read.
  const behind = f.open(caller, everything, { after: START, freshAt: { seq: 6, ordinal: 1 } });
  expect(await take(behind, 1)).toEqual(['case-1']);
  read([change(7), unitChange(8, ChangeKind.DEACTIVATED), change(9)]);
  for (const ended of [live, secondKey, behind]) {
    const failure = await ended.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KeyEndedError);
    expect(failure).toMatchObject({ message: "the key's unit YC-TAX has been deactivated", extensions: { code: 'UNAUTHENTICATED' } });
  }
  expect(await take(bystander, 8)).toEqual(['case-1', 'case-2', 'case-3', 'case-4', 'case-5', 'case-6', 'case-7', 'case-9']);
  expect(f.size).toBe(1);
  await bystander.return();
});

it('a key of a unit whose deactivation the tail read after its caller was read cannot open a subscription; one read after the reactivation can', async () => {
  const { feed: f, read } = feed();
  read([change(1), unitChange(2, ChangeKind.DEACTIVATED)]);
  // Read (authenticated, with the head) before the deactivation, opened after the tail read it.
  expect(() => f.open(caller, everything, { from: { seq: 1, ordinal: 1 } })).toThrow("the key's unit YC-TAX has been deactivated");
  read([unitChange(3, ChangeKind.REACTIVATED)]);
  const again = f.open(caller, everything, { from: { seq: 3, ordinal: 1 } });
  read([change(4)]);
  expect(await take(again, 1)).toEqual(['case-4']);
  await again.return();
});

it("a change of the unit's kind applies from its position on: the caller is replaced, and a RESTRICTED change shared with the new kind reaches it only after", async () => {
  const { feed: f, read } = feed({ queueLimit: 10 });
  const court = new Principal({ ...unit, kind: UnitKind.COURT }, [Role.SUBSCRIBE], credentialId);
  const subscription = f.open(court, everything, { from: START });
  // One batch: shared with TAX before the change, the change to TAX, shared with TAX after it, shared with COURT after it.
  read([
    sharedWithKind(1, UnitKind.TAX),
    unitChange(2, ChangeKind.UPDATED, { kind: UnitKind.TAX, regionCode: '140802' }),
    sharedWithKind(3, UnitKind.TAX),
    sharedWithKind(4, UnitKind.COURT),
  ]);
  read([change(5)]);
  expect(await take(subscription, 2)).toEqual(['case-3', 'case-5']);
  expect(subscription.principal).toMatchObject({ unit: { kind: UnitKind.TAX, regionCode: '140802', code: 'YC-TAX' }, credentialId });
  expect(subscription.principal.roles).toEqual([Role.SUBSCRIBE]);
  expect(f.callersOf(unit.id).map((p) => p.unit.kind)).toEqual([UnitKind.TAX]);
  await subscription.return();
});

it('a change of the unit at or before the position its caller was read as of is already in the caller: nothing happens', async () => {
  const { feed: f, read } = feed();
  read([change(1), unitChange(2, ChangeKind.DEACTIVATED), unitChange(3, ChangeKind.REACTIVATED, { kind: UnitKind.COURT })]);
  // A replay from the start whose caller was read after both changes (active, kind TAX since).
  const subscription = f.open(caller, everything, { after: START, freshAt: { seq: 3, ordinal: 1 } });
  read([change(4)]);
  expect(await take(subscription, 2)).toEqual(['case-1', 'case-4']);
  expect(subscription.principal.unit.kind).toBe(UnitKind.TAX);
  await subscription.return();
});

it("a key's expiry ends its subscriptions at the instant with UNAUTHENTICATED; an expired key cannot open one; other keys stay", async () => {
  const { feed: f, offer } = feed({ stallMs: 60_000 });
  const expiresAt = new Date(Date.now() + 150);
  const expiring = new Principal(unit, [Role.SUBSCRIBE], credentialId, expiresAt);
  const first = f.open(expiring, everything, { from: START });
  const second = f.open(expiring, everything, { from: START });
  const other = f.open(new Principal(unit, [Role.SUBSCRIBE], '00000000-0000-4000-8000-000000000003', new Date(Date.now() + 60_000)), everything, {
    from: START,
  });
  offer([change(1)]);
  expect(await take(first, 1)).toEqual(['case-1']);
  const ended = await first.next().catch((error: unknown) => error);
  expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
  expect(ended).toBeInstanceOf(KeyEndedError);
  expect(ended).toMatchObject({ message: `the key expired at ${expiresAt.toISOString()}`, extensions: { code: 'UNAUTHENTICATED' } });
  await expect(second.next()).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  expect(() => f.open(expiring, everything, { from: START })).toThrow('the key expired at');
  expect(f.size).toBe(1);
  offer([change(2)]);
  expect(await take(other, 2)).toEqual(['case-1', 'case-2']);
  await other.return();
  await f.stop();
});

it("a subscription that overflows after a change of its unit's kind catches up with the caller as it was at the last change it delivered", async () => {
  const { feed: f, read } = feed({ queueLimit: 3 });
  const court = new Principal({ ...unit, kind: UnitKind.COURT }, [Role.SUBSCRIBE], credentialId);
  const subscription = f.open(court, everything, { from: START });
  // More than the queue holds after the change to TAX: it catches up from the start, COURT until the change again.
  read([
    sharedWithKind(1, UnitKind.TAX),
    change(2),
    unitChange(3, ChangeKind.UPDATED, { kind: UnitKind.TAX }),
    sharedWithKind(4, UnitKind.TAX),
    change(5),
    change(6),
    change(7),
  ]);
  expect(await take(subscription, 5)).toEqual(['case-2', 'case-4', 'case-5', 'case-6', 'case-7']);
  expect(subscription.principal.unit.kind).toBe(UnitKind.TAX);
  await subscription.return();
});
