/**
 * Result sharing is keyed by what decides visibility (issue 10, item 3): `visibilityKey` (src/access/visibility.ts)
 * is built from the unit's id, code and kind, the office flag and PERSONAL_DATA — each one changed alone changes
 * the key, anything else (the key itself, other roles, the region, the name, the expiry) does not; and the feed's
 * ResultSharing (src/feed/result-sharing.ts) computes one result for subscribers with the same key, one each
 * otherwise, and follows a subscription whose unit's kind changes. Real graphql-js execution of a small schema
 * whose one field counts how often it runs; the feed without a database, as in feed.test.ts.
 */
import pino from 'pino';
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString, parse, type ExecutionResult } from 'graphql';
import { officeOnly } from '../../src/access/classification';
import { Principal, type PrincipalUnit } from '../../src/access/principal';
import { Role } from '../../src/access/roles';
import { visibilityKey } from '../../src/access/visibility';
import { ChangeTopic } from '../../src/change-log/change-log';
import type { StoredChange } from '../../src/change-log/change-reader';
import { ChangeCursors, START, type Position } from '../../src/change-log/cursor';
import { Feed } from '../../src/feed/feed';
import { ResultSharing } from '../../src/feed/result-sharing';
import { UnitKind } from '../../src/access/unit-kind';
import { storedChange } from '../support/stored-change';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const unit: PrincipalUnit = { id: id(1), code: 'YC-TAX', name: '运城市税务局', kind: UnitKind.TAX, regionCode: '140800', isOffice: false };
const base = new Principal(unit, [Role.SUBSCRIBE], id(100));

/** Principals that differ from `base` in exactly one field the visibility rules or the masking read. */
const DIFFERING: [string, Principal][] = [
  ['unit id', new Principal({ ...unit, id: id(2) }, [Role.SUBSCRIBE], id(101))],
  ['unit code', new Principal({ ...unit, code: 'YC-TAX2' }, [Role.SUBSCRIBE], id(102))],
  ['unit kind', new Principal({ ...unit, kind: UnitKind.COURT }, [Role.SUBSCRIBE], id(103))],
  ['office flag', new Principal({ ...unit, isOffice: true }, [Role.SUBSCRIBE], id(104))],
  ['PERSONAL_DATA', new Principal(unit, [Role.SUBSCRIBE, Role.PERSONAL_DATA], id(105))],
];
/** Principals that differ from `base` only in what no read path shows more or less by. */
const ALIKE: [string, Principal][] = [
  ['another key of the unit', new Principal(unit, [Role.SUBSCRIBE], id(106))],
  ['other roles', new Principal(unit, [Role.SUBSCRIBE, Role.READ, Role.ANALYZE, Role.PUBLISH], id(107))],
  ['another region and name', new Principal({ ...unit, regionCode: '140802', name: '另一个名字' }, [Role.SUBSCRIBE], id(108))],
  ['an expiry', new Principal(unit, [Role.SUBSCRIBE], id(109), new Date(Date.now() + 60_000))],
];

describe('visibilityKey', () => {
  it.each(DIFFERING)('changes when only the %s differs', (_field, other) => {
    expect(visibilityKey(other)).not.toBe(visibilityKey(base));
  });

  it.each(ALIKE)('is the same for a caller with %s', (_what, other) => {
    expect(visibilityKey(other)).toBe(visibilityKey(base));
  });
});

const change = (seq: number, over: Partial<StoredChange> = {}) => storedChange(seq, 1, over);

/** A subscription field whose `runs` counts the executions of its selection; `kind` shows the caller's kind. */
function counted() {
  let runs = 0;
  const Change = new GraphQLObjectType({
    name: 'Change',
    fields: {
      cursor: { type: GraphQLString, resolve: (change: StoredChange) => `${change.position.seq}:${change.position.ordinal}` },
      runs: { type: GraphQLInt, resolve: () => ++runs },
      kind: { type: GraphQLString, resolve: (_change, _args, context: { principal: Principal }) => context.principal.unit.kind },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { x: { type: GraphQLInt } } }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { changes: { type: Change, resolve: (root) => root } } }),
  });
  return { schema, runs: () => runs };
}

function setUp() {
  const feed = new Feed({} as never, pino({ level: 'silent' }), {
    pollMs: 1000,
    queueLimit: 100,
    stallMs: 60_000,
    batchSize: 10,
    recentLimit: 100,
    cursors: new ChangeCursors(Buffer.alloc(32, 7), 0),
  });
  const inside = feed as unknown as { offer(batch: StoredChange[]): void; tail: { position: Position } };
  const sharing = new ResultSharing();
  const { schema, runs } = counted();
  const document = parse('subscription { changes { cursor runs kind } }');
  const subscribe = (principal: Principal, freshAt: Position = START) =>
    sharing.results(feed.open(principal, {}, { from: freshAt }), {
      schema,
      document,
      contextValue: { fresh: (caller: Principal) => ({ principal: caller, settle: <R extends object>(result: R) => result }) },
    });
  const read = (batch: StoredChange[]) => {
    inside.tail.position = batch[batch.length - 1].position;
    inside.offer(batch);
  };
  return { feed, subscribe, read, runs };
}

type Delivered = { changes: { cursor: string; runs: number; kind: string } };
const data = (item: IteratorResult<ExecutionResult>) => (item.value as ExecutionResult).data as unknown as Delivered;

describe('ResultSharing', () => {
  it.each(DIFFERING)('does not share a result between callers whose %s differs', async (_field, other) => {
    const { subscribe, read, runs, feed } = setUp();
    const a = subscribe(base);
    const b = subscribe(other);
    read([change(1)]);
    const [first, second] = await Promise.all([a.next(), b.next()]);
    expect(runs()).toBe(2);
    expect(data(first).changes.runs).not.toBe(data(second).changes.runs);
    await Promise.all([a.return!(), b.return!()]);
    await feed.stop();
  });

  it.each(ALIKE)('shares one result with a caller with %s', async (_what, other) => {
    const { subscribe, read, runs, feed } = setUp();
    const a = subscribe(base);
    const b = subscribe(other);
    read([change(1)]);
    const [first, second] = await Promise.all([a.next(), b.next()]);
    expect(runs()).toBe(1);
    expect(data(first)).toEqual(data(second));
    await Promise.all([a.return!(), b.return!()]);
    await feed.stop();
  });

  it("follows a subscription whose unit's kind changed: from that change on it shares with callers of the new kind", async () => {
    const { subscribe, read, runs, feed } = setUp();
    const court = new Principal({ ...unit, kind: UnitKind.COURT }, [Role.SUBSCRIBE], id(110));
    const a = subscribe(court);
    // Read as of a later head, after the unit became TAX (the change at seq 2).
    const b = subscribe(new Principal(unit, [Role.SUBSCRIBE], id(111)), { seq: 2, ordinal: 1 });
    read([change(1)]);
    expect(data(await a.next()).changes).toMatchObject({ kind: 'COURT' });
    expect(runs()).toBe(1);
    const toTax = change(2, { topic: ChangeTopic.UNIT, entityId: unit.id, sharing: officeOnly(id(99)), payload: { ...unit, active: true } });
    read([toTax, change(3)]);
    const [first, second] = await Promise.all([a.next(), b.next()]);
    expect(data(first).changes).toMatchObject({ cursor: '3:1', kind: 'TAX' });
    expect(data(second)).toEqual(data(first));
    expect(runs()).toBe(2);
    await Promise.all([a.return!(), b.return!()]);
    await feed.stop();
  });
});
