/**
 * A subscription's life inside the feed (src/feed/feed.ts), without a database: what the tail offers reaches it
 * in order and once; a consumer that completes gets nothing more; one that stops taking is ended with
 * SUBSCRIBER_BEHIND and the cursor of the last change it took, unless it is busy making a result; a burst larger
 * than its queue turns it to catching up; a revoked key cannot open a subscription and ends its open ones.
 */
import pino from 'pino';
import { Classification } from '../../src/access/classification';
import { Principal } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import { ChangeKind, ChangeTopic } from '../../src/feed/change-log';
import type { StoredChange } from '../../src/feed/change-reader';
import { ChangeCursors, START, type Position } from '../../src/feed/cursor';
import { Feed, type ChangeSubscription } from '../../src/feed/feed';
import { UnitKind } from '../../src/modules/units/unit-kind';

const unit = { id: '00000000-0000-4000-8000-000000000001', code: 'YC-TAX', name: '税务局', kind: UnitKind.TAX, regionCode: '140800', isOffice: false };
const credentialId = '00000000-0000-4000-8000-000000000002';
const caller = new Principal(unit, [Role.READ, Role.SUBSCRIBE], credentialId);
const everything = () => true;

function change(seq: number, ordinal = 1, over: Partial<StoredChange> = {}): StoredChange {
  const position: Position = { seq, ordinal };
  return {
    position,
    topic: ChangeTopic.CASE,
    kind: ChangeKind.UPDATED,
    occurredAt: new Date(0),
    entityId: `case-${seq}`,
    actingUnit: null,
    actorCredentialId: null,
    sharing: { classification: Classification.SHARED, ownerUnitId: unit.id, sharedUnitCodes: [], sharedKinds: [] },
    listType: null,
    riskLevel: null,
    regionCode: null,
    uscc: null,
    caseId: null,
    payload: {},
    ...over,
  };
}

/** A feed that is never started (no database): its tail's offers are made by hand. */
const cursors = new ChangeCursors(Buffer.alloc(32, 7), 0);

function feed(options: Partial<Feed['options']> = {}) {
  const made = new Feed({} as never, pino({ level: 'silent' }), { pollMs: 1000, queueLimit: 3, stallMs: 50, batchSize: 10, recentLimit: 100, cursors, ...options });
  const offer = (batch: StoredChange[]) => (made as unknown as { offer(batch: StoredChange[]): void }).offer(batch);
  return { feed: made, offer };
}

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
  const subscription = f.open(caller, (c) => c.entityId === 'case-9', { from: START });
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
