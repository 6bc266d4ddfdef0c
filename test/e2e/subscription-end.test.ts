/**
 * What ends a subscription, and what re-evaluates it (issue 10, item 3), on three hub instances of one database:
 * A, where the office acts; B, woken only by NOTIFY (its safety poll is off); C, with FEED_LISTEN=false, woken only
 * by its safety poll (FEED_POLL_MS=300). Revocation, deactivation (GraphQL and the command line) and expiry end the
 * key's subscriptions on every instance with UNAUTHENTICATED, and the socket closes with 4403 once nothing else
 * remains on it; a change of a unit's kind or region re-evaluates its subscriptions from that change on; UNIT
 * changes reach the office only; a subscription that opens while a deactivation commits cannot slip through.
 */
process.env.LOG_LEVEL ??= 'silent';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import WebSocket from 'ws';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { describeWithServer, sql, TEST_AUDIT_KEY } from '../support/db';
import { pollChanges, rawSocket, type RawSocket } from '../support/feed';
import { startInstance, startTestHub, type TestHub } from '../support/hub';

jest.setTimeout(60_000);
const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/src/main.js');
const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let serial = 0;

const SUBSCRIPTION =
  'subscription($after: String, $filter: ChangeFilter) { changes(after: $after, filter: $filter) { cursor topic kind entityId riskEntry { uscc classification } } }';

async function until(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** A socket of `key` on `hub` with one `changes` subscription (operation id `s`, or `id`) open on the feed. */
async function subscriber(hub: TestHub, key: string, variables: Record<string, unknown> = {}, id = 's'): Promise<RawSocket> {
  const before = hub.hub.feed.size;
  const socket = rawSocket(hub, key);
  expect(await socket.acked).toBe(true);
  socket.subscribe(id, SUBSCRIPTION, variables);
  await until(() => hub.hub.feed.size > before || socket.of(id).length > 0, 10_000, 'the subscription to open');
  expect(socket.of(id).filter((m) => m.type === 'error')).toEqual([]);
  return socket;
}

/** The `changes` delivered to operation `id` of a socket. */
const delivered = (socket: RawSocket, id = 's') =>
  socket
    .of(id)
    .filter((m) => m.type === 'next')
    .map((m) => m.payload.data.changes);
/** Resolves once operation `id` got a change with `entityId`. */
const received = (socket: RawSocket, entityId: string, id = 's') =>
  socket.waitFor(() => delivered(socket, id).find((change) => change.entityId === entityId), 10_000, `change ${entityId}`);

/** The error message that ended operation `id`, and then the socket's close (the hub's code). */
async function endedAndClosed(socket: RawSocket, id = 's') {
  const error = await socket.waitFor(() => socket.of(id).find((m) => m.type === 'error'), 10_000, `the error of ${id}`);
  const close = await socket.waitFor(() => socket.close, 10_000, 'the close');
  return { error: error.payload[0], close, errorAt: error.receivedAt as number };
}

describeWithServer('what ends a subscription', () => {
  let a: TestHub;
  let b: TestHub;
  let c: TestHub;
  let instances: TestHub[];
  let court: string;
  let market: string;
  const sockets: RawSocket[] = [];
  const track = (socket: RawSocket) => (sockets.push(socket), socket);

  const gql = async (query: string, variables: Record<string, unknown> = {}, key?: string) => {
    const result = await a.gql(query, variables, key);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const createUnit = (code: string, kind: string) =>
    gql(`mutation($input: CreateUnitInput!) { createUnit(input: $input) { id } }`, {
      input: { code, kind, name: `${code} 测试单位`, regionCode: '140800' },
    }).then((d) => d.createUnit.id as string);
  const issue = (unit: string, roles: string[], expiresAt?: Date) =>
    gql(`mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key credential { id } } }`, {
      input: { unit, roles, expiresAt },
    }).then((d) => ({ key: d.issueCredential.key as string, id: d.issueCredential.credential.id as string }));
  const updateUnit = (input: Record<string, unknown>) =>
    gql(`mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { code kind regionCode active } }`, { input });
  /** A SHARED case registered by the court: one change every unit sees (a marker in the stream). */
  const registerCase = async () => {
    const n = ++serial;
    const data = await gql(
      `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
      {
        input: {
          caseNumber: `（2026）晋08破申${n}号`,
          debtorUscc: uscc(`91140802MA0W${String(n).padStart(5, '0')}`),
          debtorName: `标记${n}有限公司`,
          procedure: 'LIQUIDATION',
          appliedOn: '2026-01-01',
        },
      },
      court,
    );
    return data.registerCase.id as string;
  };
  /** One list entry published by market regulation, SHARED or RESTRICTED to the tax kind; its id. */
  const publishEntry = async (classification: 'SHARED' | 'RESTRICTED') => {
    const n = ++serial;
    const code = uscc(`91140802MA0E${String(n).padStart(5, '0')}`);
    await gql(
      `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { added } }`,
      {
        input: {
          listType: 'ABNORMAL_OPERATION',
          mode: 'DELTA',
          idempotencyKey: randomUUID(),
          classification,
          sharedWithKinds: classification === 'RESTRICTED' ? ['TAX'] : null,
          entries: [
            {
              uscc: code,
              enterpriseName: `异常${n}有限公司`,
              riskLevel: 'BLUE',
              categories: ['MANAGEMENT'],
              details: { reason: 'UNREACHABLE', listedOn: '2026-01-05' },
            },
          ],
        },
      },
      market,
    );
    const [row] = await sql<{ id: string }>(a.databaseUrl, 'select id from risk_entry where uscc = $1', [code]);
    return row.id;
  };

  beforeAll(async () => {
    a = await startTestHub({ FEED_POLL_MS: '600000' });
    b = await startInstance(a, { FEED_POLL_MS: '600000' });
    c = await startInstance(a, { FEED_LISTEN: 'false', FEED_POLL_MS: '300' });
    instances = [a, b, c];
    court = await a.keyFor('YC-COURT', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'COURT', '晋08');
    market = await a.keyFor('YC-SCJG', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'MARKET_REGULATION');
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.socket.terminate();
  });
  afterAll(async () => {
    await c?.stop();
    await b?.stop();
    await a?.stop();
  });

  it("revocation ends the key's subscriptions on every instance (NOTIFY, and the safety poll with FEED_LISTEN=false): UNAUTHENTICATED, then 4403; another key's stay", async () => {
    await createUnit('YC-REV', 'OTHER');
    const { key, id } = await issue('YC-REV', ['READ', 'SUBSCRIBE']);
    const ours = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, key))));
    const bystanders = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, court))));
    await gql(`mutation($id: ID!) { revokeCredential(id: $id) { status } }`, { id });
    for (const socket of ours) {
      const { error, close } = await endedAndClosed(socket);
      expect(error).toMatchObject({ message: 'the key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
      expect(close.code).toBe(4403);
    }
    const caseId = await registerCase();
    for (const socket of bystanders) await received(socket, caseId);
    for (const hub of instances) expect(hub.hub.feed.size).toBe(1);
  });

  it('deactivation (updateUnit) ends every subscription of every key of the unit on every instance; the keys are refused while it lasts and work again after reactivation, resuming by cursor', async () => {
    const unitId = await createUnit('YC-DEACT', 'OTHER');
    const first = await issue('YC-DEACT', ['READ', 'SUBSCRIBE']);
    const second = await issue('YC-DEACT', ['SUBSCRIBE']);
    const onA = track(await subscriber(a, first.key));
    const onB = track(await subscriber(b, second.key));
    // A second operation on the same socket: both end, then the socket closes.
    const onBefore = b.hub.feed.callersOf(unitId).length;
    onB.subscribe('t', SUBSCRIPTION, {});
    await until(() => b.hub.feed.callersOf(unitId).length === onBefore + 1, 10_000, 'the second operation');
    const onC = track(await subscriber(c, first.key));
    const before = await registerCase();
    for (const socket of [onA, onB, onC]) await received(socket, before);
    const lastCursor = delivered(onA).at(-1).cursor;

    expect((await updateUnit({ code: 'YC-DEACT', active: false })).updateUnit.active).toBe(false);
    for (const socket of [onA, onB, onC]) {
      const { error, close } = await endedAndClosed(socket);
      expect(error).toMatchObject({ message: "the key's unit YC-DEACT has been deactivated", extensions: { code: 'UNAUTHENTICATED' } });
      expect(close.code).toBe(4403);
    }
    expect(onB.of('t').find((m) => m.type === 'error').payload[0].extensions.code).toBe('UNAUTHENTICATED');
    for (const hub of instances) expect(hub.hub.feed.callersOf(unitId)).toEqual([]);
    // Refused while deactivated: at connection_init over WebSocket, UNAUTHENTICATED over HTTP.
    const refused = track(rawSocket(b, first.key));
    expect(await refused.acked).toBe(false);
    expect(refused.close!.code).toBe(4403);
    expect((await a.gql('{ changesHead }', {}, first.key)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    // Reactivated: the keys work again; a new subscription resumes from the last cursor it processed, missing nothing.
    const during = await registerCase();
    expect((await updateUnit({ code: 'YC-DEACT', active: true })).updateUnit.active).toBe(true);
    const resumed = track(await subscriber(c, first.key, { after: lastCursor }));
    await received(resumed, during);
    const after = await registerCase();
    await received(resumed, after);
    expect(delivered(resumed).map((change) => change.entityId)).toEqual([during, after]);
  });

  it('deactivation through the command line (npm run hub -- unit update … --active false) ends the subscriptions on every instance', async () => {
    await createUnit('YC-CLI', 'OTHER');
    const { key } = await issue('YC-CLI', ['SUBSCRIBE']);
    const ours = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, key))));
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: a.databaseUrl, AUDIT_KEY: TEST_AUDIT_KEY, LOG_LEVEL: 'warn' };
    for (const name of Object.keys(env)) if (/^(DATA_DIR|HUB_|PORT$|HOST$)/.test(name)) delete env[name];
    const { stdout } = await run(process.execPath, [CLI, 'unit', 'update', '--code', 'YC-CLI', '--active', 'false'], { env, timeout: 30_000 });
    expect(stdout).toContain('unit YC-CLI: YC-CLI 测试单位, OTHER, 140800, deactivated');
    for (const socket of ours) {
      const { error, close } = await endedAndClosed(socket);
      expect(error).toMatchObject({ message: "the key's unit YC-CLI has been deactivated", extensions: { code: 'UNAUTHENTICATED' } });
      expect(close.code).toBe(4403);
    }
  });

  it("a key's expiry ends its subscriptions on every instance at the expiry instant, not before; another key's stay", async () => {
    await createUnit('YC-EXP', 'OTHER');
    const expiresAt = new Date(Date.now() + 4_000);
    const { key } = await issue('YC-EXP', ['SUBSCRIBE'], expiresAt);
    const ours = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, key))));
    const bystander = track(await subscriber(b, court));
    const caseId = await registerCase();
    for (const socket of ours) await received(socket, caseId);
    for (const socket of ours) {
      const { error, close, errorAt } = await endedAndClosed(socket);
      expect(error).toMatchObject({ message: `the key expired at ${expiresAt.toISOString()}`, extensions: { code: 'UNAUTHENTICATED' } });
      expect(errorAt).toBeGreaterThanOrEqual(expiresAt.getTime());
      expect(close.code).toBe(4403);
    }
    const after = await registerCase();
    await received(bystander, after);
    // An expired key opens nothing.
    const refused = track(rawSocket(a, key));
    expect(await refused.acked).toBe(false);
  });

  it("a change of a unit's kind re-evaluates its subscriptions on every instance from that change on: RESTRICTED entries shared with TAX reach a unit that became TAX, and stop reaching one that stopped being TAX", async () => {
    const becomesTax = await createUnit('YC-KIND1', 'OTHER');
    await createUnit('YC-KIND2', 'TAX');
    const one = await issue('YC-KIND1', ['SUBSCRIBE']);
    const two = await issue('YC-KIND2', ['SUBSCRIBE']);
    const filter = { filter: { topics: ['RISK_ENTRY'] } };
    const ones = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, one.key, filter))));
    const twos = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, two.key, filter))));
    const restrictedBefore = await publishEntry('RESTRICTED');
    const markBefore = await publishEntry('SHARED');
    for (const socket of [...ones, ...twos]) await received(socket, markBefore);

    await updateUnit({ code: 'YC-KIND1', kind: 'TAX' });
    await updateUnit({ code: 'YC-KIND2', kind: 'HOUSING' });
    for (const hub of instances) await until(() => hub.hub.feed.callersOf(becomesTax).every((p) => p.unit.kind === 'TAX'), 10_000, 'the new kind');
    const restrictedAfter = await publishEntry('RESTRICTED');
    const markAfter = await publishEntry('SHARED');
    for (const socket of [...ones, ...twos]) await received(socket, markAfter);

    for (const socket of ones) expect(delivered(socket).map((change) => change.entityId)).toEqual([markBefore, restrictedAfter, markAfter]);
    for (const socket of twos) expect(delivered(socket).map((change) => change.entityId)).toEqual([restrictedBefore, markBefore, markAfter]);
    expect(delivered(ones[0])[1].riskEntry.classification).toBe('RESTRICTED');
    // Re-evaluated, not ended.
    for (const socket of [...ones, ...twos]) {
      expect(socket.of('s').filter((m) => m.type !== 'next')).toEqual([]);
      expect(socket.socket.readyState).toBe(WebSocket.OPEN);
    }
  });

  it("a change of a unit's region re-evaluates its subscriptions on every instance and ends none; the log has it, for the office", async () => {
    const unitId = await createUnit('YC-REGION', 'OTHER');
    const { key } = await issue('YC-REGION', ['SUBSCRIBE']);
    const ours = await Promise.all(instances.map(async (hub) => track(await subscriber(hub, key))));
    const head = (await gql('{ changesHead }')).changesHead;
    await updateUnit({ code: 'YC-REGION', regionCode: '140802' });
    for (const hub of instances) {
      await until(() => hub.hub.feed.callersOf(unitId).every((p) => p.unit.regionCode === '140802'), 10_000, 'the new region');
      expect(hub.hub.feed.callersOf(unitId)).toHaveLength(1);
    }
    const caseId = await registerCase();
    for (const socket of ours) {
      await received(socket, caseId);
      expect(socket.of('s').filter((m) => m.type !== 'next')).toEqual([]);
    }
    const logged = (await pollChanges(a, a.adminKey, head, { topics: ['UNIT'] })).changes;
    expect(logged).toEqual([
      expect.objectContaining({
        topic: 'UNIT',
        kind: 'UPDATED',
        entityId: unitId,
        actingUnit: { code: 'OFFICE' },
        payload: expect.objectContaining({ code: 'YC-REGION', regionCode: '140802', kind: 'OTHER', active: true, changed: ['regionCode'] }),
      }),
    ]);
  });

  it('UNIT changes reach the office only: the changes query and the subscription', async () => {
    await createUnit('YC-SEEN', 'OTHER');
    const reader = await issue('YC-SEEN', ['READ', 'SUBSCRIBE']);
    const head = (await gql('{ changesHead }')).changesHead;
    const filter = { filter: { topics: ['UNIT', 'CASE'] } };
    const office = track(await subscriber(b, a.adminKey, filter));
    const other = track(await subscriber(b, reader.key, filter));
    const marketSubscriber = track(await subscriber(b, market, filter));
    await updateUnit({ code: 'YC-SEEN', name: '改名后的单位' });
    await updateUnit({ code: 'YC-SCJG', kind: 'MARKET_REGULATION', regionCode: '140802' });
    const caseId = await registerCase();
    for (const socket of [office, other, marketSubscriber]) await received(socket, caseId);
    expect(delivered(office).map((change) => `${change.topic} ${change.kind}`)).toEqual(['UNIT UPDATED', 'UNIT UPDATED', 'CASE CREATED']);
    for (const socket of [other, marketSubscriber]) expect(delivered(socket).map((change) => change.topic)).toEqual(['CASE']);
    // Polled: the office sees both UNIT changes, a unit (even the one that changed) none.
    expect((await pollChanges(a, a.adminKey, head, { topics: ['UNIT'] })).changes.map((change) => change.kind)).toEqual(['UPDATED', 'UPDATED']);
    expect((await pollChanges(a, reader.key, head, { topics: ['UNIT'] })).changes).toEqual([]);
    expect((await pollChanges(a, market, head)).changes.map((change) => change.topic)).toEqual(['CASE']);
  });

  it('with another operation still running on the socket, the ended subscription gets UNAUTHENTICATED and the socket stays; it closes with 4403 when that operation finishes', async () => {
    const unitId = await createUnit('YC-BUSY', 'TAX');
    const { key, id } = await issue('YC-BUSY', ['PUBLISH', 'SUBSCRIBE']);
    const socket = track(await subscriber(b, key));
    // A publication that waits for an advisory lock this test holds (the lock of its idempotency key).
    const idempotencyKey = randomUUID();
    const holder = new Client({ connectionString: a.databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`fyh:publish:${unitId}:${idempotencyKey}`]);
      socket.subscribe('m', `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { added } }`, {
        input: {
          listType: 'TAX_ARREARS',
          mode: 'DELTA',
          idempotencyKey,
          entries: [
            {
              uscc: uscc('91140802MA0B00001'),
              enterpriseName: '忙碌有限公司',
              riskLevel: 'BLUE',
              categories: ['FINANCIAL'],
              amount: '10.00',
              details: { taxTypes: ['增值税'] },
            },
          ],
        },
      });
      await until(
        async () => (await sql(a.databaseUrl, "select 1 from pg_locks where locktype = 'advisory' and not granted")).length > 0,
        10_000,
        'the publication to wait',
      );
      await gql(`mutation($id: ID!) { revokeCredential(id: $id) { status } }`, { id });
      const error = await socket.waitFor(() => socket.of('s').find((m) => m.type === 'error'), 10_000, 'the error');
      expect(error.payload[0].extensions.code).toBe('UNAUTHENTICATED');
      await sleep(300);
      expect(socket.close).toBeNull();
      expect(socket.socket.readyState).toBe(WebSocket.OPEN);
      await holder.query('commit');
      const close = await socket.waitFor(() => socket.close, 10_000, 'the close');
      expect(close.code).toBe(4403);
      // The publication, authenticated before the revocation, finished first.
      expect(socket.of('m').map((m) => m.type)).toEqual(['next', 'complete']);
    } finally {
      await holder.end();
    }
  });

  it('a subscription opening while the deactivation commits cannot slip through: none of the unit stays open on any instance', async () => {
    const unitId = await createUnit('YC-RACE', 'OTHER');
    const { key } = await issue('YC-RACE', ['SUBSCRIBE']);
    let opening = true;
    const opened: RawSocket[] = [];
    const opener = (async () => {
      while (opening) {
        for (const hub of instances) {
          const socket = track(rawSocket(hub, key));
          opened.push(socket);
          void socket.acked.then((acked) => acked && socket.subscribe('s', SUBSCRIPTION, {}));
        }
        await sleep(20);
      }
    })();
    await sleep(300);
    await updateUnit({ code: 'YC-RACE', active: false });
    await sleep(300);
    opening = false;
    await opener;
    // Every socket of the key ends closed with 4403 (refused at connection_init, at subscribe, or ended), and no
    // subscription of the unit is left on any instance.
    for (const socket of opened) await socket.waitFor(() => socket.close, 15_000, 'every socket to close');
    expect(opened.every((socket) => socket.close!.code === 4403)).toBe(true);
    expect(opened.some((socket) => socket.of('s').some((m) => m.type === 'error'))).toBe(true);
    for (const hub of instances) expect(hub.hub.feed.callersOf(unitId)).toEqual([]);
  });
});
