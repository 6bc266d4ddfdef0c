/**
 * The change feed's guarantees (issue 5), each against real hubs over HTTP and WebSocket on the real PostgreSQL:
 * commit order with nothing skipped while a transaction is held open, resume by cursor, several instances (with
 * and without notifications), a subscriber that does not read, lost database connections, and revocation.
 */
process.env.LOG_LEVEL ??= 'silent';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../src/change-log/change-log';
import { Classification } from '../../src/access/classification';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { describeWithServer, sql } from '../support/db';
import { pollChanges, subscribeChanges, type Collector } from '../support/feed';
import { startInstance, startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
let serial = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every change in the log after `after` (a cursor or null), in commit order, as cursors: the truth to compare with. */
async function logCursors(t: TestHub, afterSeq = 0): Promise<string[]> {
  const rows = await sql<{ seq: string; ordinal: number }>(
    t.databaseUrl,
    'select c.seq::text as seq, e.ordinal from change_commit c join change_event e on e.tx_id = c.tx_id where c.seq > $1 order by c.seq, e.ordinal',
    [afterSeq],
  );
  return rows.map((row) => t.hub.cursors.encode({ seq: Number(row.seq), ordinal: row.ordinal }));
}

async function headSeq(t: TestHub): Promise<number> {
  const [row] = await sql<{ seq: string | null }>(t.databaseUrl, 'select max(seq)::text as seq from change_commit');
  return Number(row.seq ?? 0);
}

/** The cursor after every change of the commits up to `seq` (the head cursor when `seq` is the last commit). */
async function cursorAfter(t: TestHub, seq: number): Promise<string> {
  const [row] = await sql<{ count: number | null }>(t.databaseUrl, 'select event_count as count from change_commit where seq = $1', [seq]);
  return t.hub.cursors.encode({ seq, ordinal: row?.count ?? 0 });
}

/** Registers a case through `t` with the court's key; one CASE CREATED change. */
async function registerCase(t: TestHub, key: string) {
  const n = ++serial;
  const result = await t.gql(
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
    {
      input: {
        caseNumber: `（2026）晋08破申${n}号`,
        debtorUscc: uscc(`91140802MA0N${String(n).padStart(5, '0')}`),
        debtorName: `运城第${n}号有限公司`,
        procedure: 'LIQUIDATION',
        appliedOn: '2026-01-01',
      },
    },
    key,
  );
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data.registerCase.id as string;
}

/** Waits until `condition` holds, failing after `ms`. */
async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until the hub has `count` subscriptions open (a subscribe message is handled asynchronously). */
const subscribed = (t: TestHub, count: number) => until(() => t.hub.feed.size >= count, 5_000, `${count} subscriptions`);

const cursorsOf = (collector: Collector) => collector.received.map((change) => change.cursor);

describeWithServer('the change feed', () => {
  let t: TestHub;
  let court: string;
  const open: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    t = await startTestHub({ FEED_POLL_MS: '200' });
    court = await t.keyFor('YC-COURT', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'COURT', '晋08');
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((item) => item.stop()));
  });
  afterAll(() => t?.stop());

  const track = <T extends { stop(): Promise<void> }>(item: T): T => (open.push(item), item);

  it('commit order, nothing skipped: a transaction held open while others commit; a subscriber, a replaying subscriber and a poller each get every change once, in commit order', async () => {
    const startSeq = await headSeq(t);
    const start = await cursorAfter(t, startSeq);
    const live = track(subscribeChanges(t, t.adminKey));
    await subscribed(t, 1);

    // A poller that polls the whole time from the start cursor.
    const polled: string[] = [];
    let polling = true;
    const poller = (async () => {
      let cursor: string | null = start;
      while (polling) {
        const page = await pollChanges(t, t.adminKey, cursor);
        polled.push(...page.changes.map((change) => change.cursor));
        cursor = page.endCursor;
        await sleep(20);
      }
    })();

    // A writer through the hub's own change-log code that holds its transaction open: its changes are written
    // first and committed last.
    let held!: () => void;
    const writing = new Promise<void>((resolve) => (held = resolve));
    const longEntity = randomUUID();
    const long = t.hub.db.orm.em.fork().transactional(async (em) => {
      const writer = new ChangeLogWriter(em, null);
      await writer.append(
        [1, 2, 3].map((n) => ({
          topic: ChangeTopic.CASE,
          kind: ChangeKind.UPDATED,
          entityId: longEntity,
          sharing: { classification: Classification.SHARED, ownerUnitId: randomUUID(), sharedUnitCodes: [], sharedKinds: [] },
          payload: { held: n },
        })),
      );
      held();
      await em.execute('select pg_sleep(1.5)');
      await writer.commit();
    });
    await writing;
    // Others commit while it is open; a replaying subscriber joins in the middle.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await registerCase(t, court));
    const replay = track(subscribeChanges(t, t.adminKey, { after: start }));
    ids.push(...(await Promise.all([1, 2, 3, 4].map(() => registerCase(t, court)))));
    await long;
    ids.push(await registerCase(t, court));

    const truth = await logCursors(t, startSeq);
    expect(truth).toHaveLength(12);
    await live.waitFor(12);
    await replay.waitFor(12);
    await until(() => polled.length >= 12, 10_000, 'the poller');
    polling = false;
    await poller;
    await sleep(300);
    for (const seen of [cursorsOf(live), cursorsOf(replay), polled]) expect(seen).toEqual(truth);
    // The held transaction's changes come after every change committed while it was open.
    expect(live.received.slice(8, 11).map((change) => change.entityId)).toEqual([longEntity, longEntity, longEntity]);
    expect(
      live.received
        .slice(0, 8)
        .map((change) => change.entityId)
        .sort(),
    ).toEqual(ids.slice(0, 8).sort());
  }, 30_000);

  it('a subscription with a cursor beyond the head, or an empty one, is refused BAD_USER_INPUT', async () => {
    for (const after of [t.hub.cursors.encode({ seq: 1_000_000, ordinal: 1 }), '']) {
      const refused = subscribeChanges(t, court, { after });
      await refused.ended();
      expect(refused.error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' } });
      await refused.stop();
    }
  });

  it('visibility per subscriber: a RESTRICTED change reaches only the units that may read it, live and replayed; one document, two units, two results', async () => {
    const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'TAX');
    const pboc = await t.keyFor('YC-PBOC', ['READ', 'SUBSCRIBE'], 'PBOC');
    const startSeq = await headSeq(t);
    const start = await cursorAfter(t, startSeq);
    const fields = 'cursor topic kind case { id classification } progress { summary }';
    const live = {
      court: subscribeChanges(t, court, {}, fields),
      tax: subscribeChanges(t, tax, {}, fields),
      pboc: subscribeChanges(t, pboc, {}, fields),
    };
    Object.values(live).forEach(track);
    await subscribed(t, 3);
    // A sensitive case (RESTRICTED) shared with the tax bureau, then a SHARED one; a progress entry on each.
    const register = (input: Record<string, unknown>) =>
      t.gql(
        `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
        {
          input: {
            caseNumber: `（2026）晋08破申${++serial}号`,
            debtorUscc: uscc(`91140802MA0R${String(serial).padStart(5, '0')}`),
            debtorName: `敏感${serial}`,
            procedure: 'LIQUIDATION',
            appliedOn: '2026-01-01',
            ...input,
          },
        },
        court,
      );
    const secret = (await register({ sensitive: true, sharedWithUnits: ['YC-TAX'] })).data.registerCase.id;
    const open = (await register({})).data.registerCase.id;
    for (const caseId of [secret, open]) {
      const added = await t.gql(
        `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`,
        { input: { caseId, kind: 'NOTE', summary: `进展 ${caseId}` } },
        court,
      );
      expect(added.errors).toBeUndefined();
    }
    const replay = {
      tax: track(subscribeChanges(t, tax, { after: start }, fields)),
      pboc: track(subscribeChanges(t, pboc, { after: start }, fields)),
    };
    const seenBy = (collector: Collector) => collector.received.map((change) => `${change.topic} ${change.case.id}`);
    await live.court.waitFor(4);
    await live.tax.waitFor(4);
    await live.pboc.waitFor(2);
    await replay.tax.waitFor(4);
    await replay.pboc.waitFor(2);
    await sleep(300);
    const all = [`CASE ${secret}`, `CASE ${open}`, `CASE_PROGRESS ${secret}`, `CASE_PROGRESS ${open}`];
    expect(seenBy(live.court)).toEqual(all);
    expect(seenBy(live.tax)).toEqual(all);
    expect(seenBy(replay.tax)).toEqual(all);
    expect(seenBy(live.pboc)).toEqual([`CASE ${open}`, `CASE_PROGRESS ${open}`]);
    expect(seenBy(replay.pboc)).toEqual([`CASE ${open}`, `CASE_PROGRESS ${open}`]);
  });

  it('a key without SUBSCRIBE is refused FORBIDDEN over WebSocket, and nothing is opened', async () => {
    const readOnly = await t.keyFor('YC-READER', ['READ'], 'TAX');
    const refused = track(subscribeChanges(t, readOnly));
    await refused.ended();
    expect(refused.error).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(t.hub.feed.size).toBe(0);
  });

  it('nested fields of a change follow what the caller may see now: a case restricted since shows no progress or stage history', async () => {
    const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'TAX');
    const startSeq = await headSeq(t);
    const caseId = await registerCase(t, court);
    await t.gql(
      `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`,
      { input: { caseId, kind: 'NOTE', summary: '公开进展' } },
      court,
    );
    const restricted = await t.gql(
      `mutation($input: UpdateCaseInput!) { updateCase(input: $input) { classification } }`,
      { input: { caseId, expectedVersion: 1, sensitive: true } },
      court,
    );
    expect(restricted.data.updateCase.classification).toBe('RESTRICTED');
    await t.gql(
      `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`,
      { input: { caseId, kind: 'NOTE', summary: '限定进展' } },
      court,
    );
    const page = await t.gql(
      `query($after: String) { changes(after: $after) { edges { node { topic kind case { id stage progress { summary } stageHistory { toStage } } progress { summary case { id } } } } } }`,
      { after: await cursorAfter(t, startSeq) },
      tax,
    );
    expect(page.errors).toBeUndefined();
    const nodes = page.data.changes.edges.map((edge: any) => edge.node);
    // What was shared when it happened: the registration and the first progress entry, as stored.
    expect(nodes.map((node: any) => `${node.topic} ${node.kind}`)).toEqual(['CASE CREATED', 'CASE_PROGRESS PROGRESS_ADDED']);
    expect(nodes[0].case).toMatchObject({ id: caseId, stage: 'APPLIED', progress: [], stageHistory: [] });
    expect(nodes[1].progress).toEqual({ summary: '公开进展', case: null });
    // The court still sees all of it.
    const courtPage = await t.gql(
      `query($after: String) { changes(after: $after) { edges { node { case { progress { summary } } } } } }`,
      { after: await cursorAfter(t, startSeq) },
      court,
    );
    expect(courtPage.data.changes.edges[0].node.case.progress.map((p: any) => p.summary)).toEqual(['公开进展', '限定进展']);
  });

  it("a list entry's history in a change stops at that change's version and shows only versions the caller may read", async () => {
    const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'TAX');
    const pboc = await t.keyFor('YC-PBOC', ['READ', 'SUBSCRIBE'], 'PBOC');
    const start = await cursorAfter(t, await headSeq(t));
    const code = uscc('91140802MA0T00001');
    const publish = (amount: string, classification: string) =>
      t.gql(
        `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { added updated rejected { field message } } }`,
        {
          input: {
            listType: 'TAX_ARREARS',
            mode: 'DELTA',
            idempotencyKey: randomUUID(),
            entries: [
              {
                uscc: code,
                enterpriseName: '某公司',
                riskLevel: 'YELLOW',
                categories: ['FINANCIAL'],
                amount,
                details: { taxTypes: ['增值税'] },
                classification,
              },
            ],
          },
        },
        tax,
      );
    for (const [amount, classification] of [
      ['100.00', 'SHARED'],
      ['200.00', 'RESTRICTED'],
      ['300.00', 'SHARED'],
    ]) {
      const published = await publish(amount, classification);
      expect(published.errors).toBeUndefined();
      expect(published.data.publishRiskList).toEqual(
        amount === '100.00' ? { added: 1, updated: 0, rejected: [] } : { added: 0, updated: 1, rejected: [] },
      );
    }
    const history = async (key: string) => {
      const page = await t.gql(
        `query($after: String) { changes(after: $after) { edges { node { riskEntry { version amount history { version amount } } } } } }`,
        { after: start },
        key,
      );
      expect(page.errors).toBeUndefined();
      return page.data.changes.edges.map((edge: any) => edge.node.riskEntry);
    };
    expect(await history(tax)).toEqual([
      { version: 1, amount: '100.00', history: [{ version: 1, amount: '100.00' }] },
      {
        version: 2,
        amount: '200.00',
        history: [
          { version: 1, amount: '100.00' },
          { version: 2, amount: '200.00' },
        ],
      },
      {
        version: 3,
        amount: '300.00',
        history: [
          { version: 1, amount: '100.00' },
          { version: 2, amount: '200.00' },
          { version: 3, amount: '300.00' },
        ],
      },
    ]);
    // The central bank never saw version 2: not as a change, not in the history.
    expect(await history(pboc)).toEqual([
      { version: 1, amount: '100.00', history: [{ version: 1, amount: '100.00' }] },
      {
        version: 3,
        amount: '300.00',
        history: [
          { version: 1, amount: '100.00' },
          { version: 3, amount: '300.00' },
        ],
      },
    ]);
  });

  it('resume: a subscriber that disconnects and resubscribes with its last cursor gets every change it missed, then live ones, none twice', async () => {
    const startSeq = await headSeq(t);
    const first = subscribeChanges(t, court);
    await subscribed(t, 1);
    for (let i = 0; i < 3; i++) await registerCase(t, court);
    await first.waitFor(3);
    const last = first.received[2].cursor;
    await first.stop();
    await until(() => t.hub.feed.size === 0, 5_000, 'the subscription to end');

    for (let i = 0; i < 4; i++) await registerCase(t, court);
    const second = track(subscribeChanges(t, court, { after: last }));
    await second.waitFor(4);
    for (let i = 0; i < 2; i++) await registerCase(t, court);
    await second.waitFor(6);
    await sleep(300);
    const truth = await logCursors(t, startSeq);
    expect([...cursorsOf(first).slice(0, 3), ...cursorsOf(second)]).toEqual(truth);
  });

  it('a subscriber that falls behind by more than its queue holds catches up from the log and misses nothing', async () => {
    const small = await startInstance(t, { FEED_QUEUE_LIMIT: '5', FEED_POLL_MS: '200' });
    try {
      const startSeq = await headSeq(t);
      const subscriber = subscribeChanges(small, t.adminKey);
      await subscribed(small, 1);
      // One publication of 40 entries: 40 changes in one commit, more than the queue holds.
      const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
      const published = await t.gql(
        `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { added } }`,
        {
          input: {
            listType: 'ZOMBIE',
            mode: 'DELTA',
            idempotencyKey: randomUUID(),
            entries: Array.from({ length: 40 }, (_, i) => ({
              uscc: uscc(`91140802MA0P${String(i).padStart(5, '0')}`),
              enterpriseName: `僵尸${i}`,
              riskLevel: 'YELLOW',
              categories: ['MARKET'],
              details: { basis: '连续三年亏损' },
            })),
          },
        },
        tax,
      );
      expect(published.data.publishRiskList.added).toBe(40);
      await subscriber.waitFor(40);
      expect(cursorsOf(subscriber)).toEqual(await logCursors(t, startSeq));
      expect(subscriber.error).toBeNull();
      await subscriber.stop();
    } finally {
      await small.stop();
    }
  });

  it('several instances: a change written through one reaches a subscriber on the other by NOTIFY (its poll is off)', async () => {
    const other = await startInstance(t, { FEED_POLL_MS: '600000' });
    try {
      const subscriber = subscribeChanges(other, court);
      await subscribed(other, 1);
      const id = await registerCase(t, court);
      await subscriber.waitFor(1, 5_000);
      expect(subscriber.received[0]).toMatchObject({ topic: 'CASE', kind: 'CREATED', entityId: id });
      await subscriber.stop();
    } finally {
      await other.stop();
    }
  });

  it('with notifications off an instance still gets every change, from the log, by its safety poll', async () => {
    const deaf = await startInstance(t, { FEED_LISTEN: 'false', FEED_POLL_MS: '300' });
    try {
      const startSeq = await headSeq(t);
      const subscriber = subscribeChanges(deaf, court);
      await subscribed(deaf, 1);
      for (let i = 0; i < 5; i++) await registerCase(t, court);
      await subscriber.waitFor(5);
      expect(cursorsOf(subscriber)).toEqual(await logCursors(t, startSeq));
      await subscriber.stop();
    } finally {
      await deaf.stop();
    }
  });

  it('revoking a credential ends its subscriptions on every instance', async () => {
    const other = await startInstance(t);
    try {
      const issued = await t.gql(`mutation { issueCredential(input: { unit: "YC-COURT", roles: [READ, SUBSCRIBE] }) { key credential { id } } }`);
      const { key, credential } = issued.data.issueCredential;
      const here = subscribeChanges(t, key);
      const there = subscribeChanges(other, key);
      const bystander = track(subscribeChanges(other, court));
      await subscribed(t, 1);
      await subscribed(other, 2);
      const revoked = await t.gql(`mutation($id: ID!) { revokeCredential(id: $id) { id } }`, { id: credential.id });
      expect(revoked.errors).toBeUndefined();
      await here.ended();
      await there.ended();
      for (const ended of [here, there]) expect(ended.error).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      // Another key's subscription stays.
      const id = await registerCase(t, court);
      await bystander.waitFor(1);
      expect(bystander.received.at(-1)).toMatchObject({ entityId: id });
      await here.stop();
      await there.stop();
    } finally {
      await other.stop();
    }
  });
});

describeWithServer('a subscriber that does not read', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ FEED_STALL_MS: '500', FEED_POLL_MS: '100', FEED_QUEUE_LIMIT: '100' });
  });
  afterAll(() => t?.stop());

  it('has its operation ended with SUBSCRIBER_BEHIND and a cursor to resume from; its socket and other operations stay; others are not held up', async () => {
    const tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'TAX');
    const startSeq = await headSeq(t);
    // A raw graphql-transport-ws client, so that its socket can stop reading.
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tax}` } }));
    await until(() => messages.some((m) => m.type === 'connection_ack'), 5_000, 'connection_ack');
    socket.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query: 'subscription { changes { cursor payload } }' } }));
    const healthy = subscribeChanges(t, tax, {}, 'cursor');
    await subscribed(t, 2);
    (socket as any)._socket.pause();

    // Thousands of changes of about a kilobyte each: more than the socket buffers hold.
    const entries = Array.from({ length: 6_000 }, (_, i) => ({
      uscc: uscc(`91140802MA0Q${String(i).padStart(5, '0')}`),
      enterpriseName: `运城市第${i}号示例商贸有限公司`,
      riskLevel: 'BLUE',
      categories: ['FINANCIAL'],
      amount: '1000.00',
      remarks: '备注'.repeat(150),
      details: { taxTypes: ['增值税'] },
    }));
    const published = await t.gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { added } }`,
      {
        input: { listType: 'TAX_ARREARS', mode: 'DELTA', idempotencyKey: randomUUID(), entries },
      },
      tax,
    );
    expect(published.data.publishRiskList.added).toBe(6_000);

    // The healthy subscriber gets everything while the other one is stuck.
    await healthy.waitFor(6_000, 60_000);
    expect(healthy.error).toBeNull();
    // The stuck one is ended and gone from the feed: it holds no memory any more.
    await until(() => t.hub.feed.size === 1, 10_000, 'the stuck subscription to end');

    (socket as any)._socket.resume();
    await until(() => messages.some((m) => m.id === 'slow' && m.type === 'error'), 30_000, 'the error message');
    const delivered = messages.filter((m) => m.id === 'slow' && m.type === 'next');
    const error = messages.find((m) => m.id === 'slow' && m.type === 'error');
    expect(error.payload[0].extensions).toMatchObject({ code: 'SUBSCRIBER_BEHIND', cursor: expect.any(String) });
    expect(delivered.length).toBeLessThan(6_000);
    // The cursor is that of the last change delivered: resuming from it gives exactly the rest.
    const lastDelivered = delivered.length ? delivered.at(-1).payload.data.changes.cursor : await cursorAfter(t, startSeq);
    expect(error.payload[0].extensions.cursor).toBe(lastDelivered);
    const rest = await pollChanges(t, tax, error.payload[0].extensions.cursor, null, 500);
    expect([...delivered.map((m) => m.payload.data.changes.cursor), ...rest.changes.map((c) => c.cursor)]).toEqual(await logCursors(t, startSeq));

    // The socket is still open and takes other operations.
    expect(socket.readyState).toBe(WebSocket.OPEN);
    socket.send(JSON.stringify({ id: 'head', type: 'subscribe', payload: { query: '{ changesHead }' } }));
    await until(() => messages.some((m) => m.id === 'head' && m.type === 'complete'), 5_000, 'the second operation');
    expect(messages.find((m) => m.id === 'head' && m.type === 'next').payload.data.changesHead).toBe(rest.endCursor);
    socket.close();
    await healthy.stop();
  }, 120_000);
});

describeWithServer('lost database connections', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ FEED_POLL_MS: '200' });
  });
  afterAll(() => t?.stop());

  it('after every connection of both instances is terminated, the hubs reconnect by themselves and subscribers get every change', async () => {
    const court = await t.keyFor('YC-COURT', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'COURT', '晋08');
    // An instance that only learns of others' commits by NOTIFY: its listening connection must come back.
    const other = await startInstance(t, { FEED_POLL_MS: '600000' });
    try {
      const startSeq = await headSeq(t);
      const here = subscribeChanges(t, court);
      const there = subscribeChanges(other, court);
      await subscribed(t, 1);
      await subscribed(other, 1);

      let writing = true;
      let written = 0;
      const writer = (async () => {
        while (writing) {
          try {
            await registerCase(t, court);
            written++;
          } catch {
            // a statement on a terminated connection fails; the next one gets a new connection
          }
          await sleep(20);
        }
      })();
      await until(() => written >= 5, 10_000, 'the first writes');
      for (let round = 0; round < 2; round++) {
        // Both instances listen again (their listening connections come back by themselves) before each cut.
        await until(
          async () =>
            (await sql(t.databaseUrl, "select 1 from pg_stat_activity where datname = current_database() and query = 'listen fyh_changes'"))
              .length === 2,
          10_000,
          'both instances to listen',
        );
        const cut = await sql(
          t.databaseUrl,
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
        );
        // At least the listening connection of the other instance and a pooled connection of each.
        expect(cut.length).toBeGreaterThanOrEqual(3);
        const before = written;
        await until(() => written >= before + 5, 20_000, 'writes after the cut');
      }
      writing = false;
      await writer;
      // A last write through the hub after everything settled.
      await registerCase(t, court);

      const truth = await logCursors(t, startSeq);
      await here.waitFor(truth.length, 20_000);
      await there.waitFor(truth.length, 20_000);
      expect(cursorsOf(here)).toEqual(truth);
      expect(cursorsOf(there)).toEqual(truth);
      await here.stop();
      await there.stop();
    } finally {
      await other.stop();
    }
  }, 60_000);
});
