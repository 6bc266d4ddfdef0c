/**
 * Change-feed cursors are sealed with a key the database keeps (issue 10, item 7): the head and every cursor of
 * `changes` show nothing of the commit number; the same position gives the same cursor on every instance and
 * after a restart; a changed cursor, or one sealed by another hub's database, is BAD_USER_INPUT over HTTP and
 * WebSocket; cursors of the clear form issued before the upgrade are still read, and only those.
 */
import { randomUUID } from 'node:crypto';
import { migrationsList } from '../../migrations';
import { openOrm } from '../../src/db/orm';
import { entities } from '../../src/entities';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { createTestDatabase, describeWithServer, itWithServer, sql, type TestDatabase } from '../support/db';
import { pollChanges, subscribeChanges } from '../support/feed';
import { startInstance, startTestHub, type TestHub } from '../support/hub';

const uscc = (n: number) => {
  const first17 = `91140802MA0Q${String(n).padStart(5, '0')}`;
  return first17 + usccCheckCharacter(first17);
};
const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const PAGE = `query($after: String, $first: Int) { changes(after: $after, first: $first) { edges { cursor node { cursor entityId } } pageInfo { endCursor hasNextPage } } }`;
const HEAD = `{ changesHead }`;

let serial = 0;
async function publish(t: TestHub, key: string, count: number) {
  const result = await t.gql(
    `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed added } }`,
    {
      input: {
        listType: 'ZOMBIE',
        mode: 'DELTA',
        classification: 'SHARED',
        idempotencyKey: randomUUID(),
        entries: Array.from({ length: count }, () => {
          serial += 1;
          return {
            uscc: uscc(serial),
            enterpriseName: `测试${serial}有限公司`,
            riskLevel: 'YELLOW',
            categories: ['MARKET'],
            details: { basis: '停产' },
          };
        }),
      },
    },
    key,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data.publishRiskList).toEqual({ committed: true, added: count });
}

async function headOf(t: TestHub, key = t.adminKey): Promise<string> {
  const result = await t.gql(HEAD, {}, key);
  expect(result.errors).toBeUndefined();
  return result.data.changesHead;
}

async function lastSeq(t: TestHub): Promise<number> {
  const [row] = await sql<{ seq: string }>(t.databaseUrl, 'select coalesce(max(seq), 0)::text as seq from change_commit');
  return Number(row.seq);
}

/** Flips one bit of byte `at` of a cursor. */
function tamper(cursor: string, at: number): string {
  const bytes = Buffer.from(cursor, 'base64url');
  bytes[at] ^= 0x10;
  return bytes.toString('base64url');
}

describe('sealed cursors on one hub', () => {
  let t: TestHub;
  let tax: string;
  beforeAll(async () => {
    t = await startTestHub();
    tax = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'SUBSCRIBE'], 'TAX');
    for (let i = 0; i < 5; i++) await publish(t, tax, 2);
  });
  afterAll(() => t?.stop());

  it('the head shows nothing of the commit number: no digits, no bytes of it, and read without the key it is noise', async () => {
    const seq = await lastSeq(t);
    expect(seq).toBe(5);
    const head = await headOf(t);
    const bytes = Buffer.from(head, 'base64url');
    expect(bytes.toString('base64url')).toBe(head);
    const text = bytes.toString('latin1');
    expect(text).not.toMatch(/fyh/);
    expect(text).not.toContain(`${seq}:`);
    expect(text).not.toContain(':2');
    // Not the clear form of before, nor JSON: nothing a client can parse.
    expect(bytes.toString('utf8')).not.toMatch(/^fyh1:|^\[/);
    // Each cursor of the log is as long as the head and unlike the others.
    const page = await t.gql(PAGE, { first: 20 });
    const cursors: string[] = page.data.changes.edges.map((edge: any) => edge.cursor);
    expect(cursors).toHaveLength(10);
    expect(cursors.at(-1)).toBe(head);
    expect(new Set(cursors.map((cursor) => cursor.length))).toEqual(new Set([head.length]));
    expect(new Set(cursors.map((cursor) => cursor.slice(1, 8))).size).toBe(10);
  });

  it('the same position gives the same cursor on every read: edge, node, endCursor and head agree', async () => {
    const head = await headOf(t);
    expect(await headOf(t, tax)).toBe(head);
    const first = await t.gql(PAGE, { first: 3 });
    const again = await t.gql(PAGE, { first: 3 });
    expect(again.data).toEqual(first.data);
    for (const edge of first.data.changes.edges) expect(edge.cursor).toBe(edge.node.cursor);
    // Resuming after a cursor, by poll or by subscription, goes on where it stood.
    const rest = await pollChanges(t, t.adminKey, first.data.changes.pageInfo.endCursor);
    expect(rest.changes).toHaveLength(7);
    expect(rest.endCursor).toBe(head);
    const live = subscribeChanges(t, tax, { after: first.data.changes.edges[0].cursor });
    try {
      await live.waitFor(9);
      expect(live.received.map((change) => change.cursor)).toEqual([
        ...first.data.changes.edges.slice(1).map((edge: any) => edge.cursor),
        ...rest.changes.map((change: any) => change.cursor),
      ]);
    } finally {
      await live.stop();
    }
  });

  it('a changed cursor is BAD_USER_INPUT (after, cursor), whichever byte changed, and nothing is read', async () => {
    const head = await headOf(t);
    for (let at = 0; at < Buffer.from(head, 'base64url').length; at++) {
      const result = await t.gql(PAGE, { after: tamper(head, at), first: 5 });
      expect([at, result.errors?.[0]?.extensions]).toEqual([at, { code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' }]);
      expect(result.data ?? null).toBeNull();
    }
  });

  it('a changed cursor is refused over WebSocket too', async () => {
    const refused = subscribeChanges(t, tax, { after: tamper(await headOf(t), 20) });
    try {
      await refused.ended();
      expect(refused.error).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' } });
      expect(refused.received).toEqual([]);
    } finally {
      await refused.stop();
    }
  });

  it("another hub's cursors are refused: each database seals with a key of its own", async () => {
    const other = await startTestHub();
    try {
      const otherKey = await other.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
      for (let i = 0; i < 5; i++) await publish(other, otherKey, 2);
      const foreign = await headOf(other);
      expect(foreign).not.toBe(await headOf(t));
      const result = await t.gql(PAGE, { after: foreign, first: 5 });
      expect(result.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' });
    } finally {
      await other.stop();
    }
  });

  it('the key is one row of hub_secret, made by the migration; the log is unchanged by sealing', async () => {
    const rows = await sql<{ name: string; length: number }>(
      t.databaseUrl,
      "select name, length(decode(value, 'base64')) as length from hub_secret where name = $1",
      ['change-cursor-key'],
    );
    expect(rows).toEqual([{ name: 'change-cursor-key', length: 32 }]);
  });

  itWithServer("a second instance and a restarted one hand out the same cursors and read each other's", async () => {
    const head = await headOf(t);
    const page = await t.gql(PAGE, { first: 4 });
    const second = await startInstance(t);
    try {
      expect(await headOf(second)).toBe(head);
      expect((await second.gql(PAGE, { first: 4 })).data).toEqual(page.data);
      const resumed = await second.gql(PAGE, { after: page.data.changes.pageInfo.endCursor, first: 100 });
      expect(resumed.data.changes.pageInfo.endCursor).toBe(head);
    } finally {
      await second.stop();
    }
    // Every instance stopped, then a new one: the key is the database's, not the process's.
    await t.hub.stop();
    const restarted = await startInstance(t);
    try {
      expect(await headOf(restarted)).toBe(head);
      expect((await restarted.gql(PAGE, { first: 4 })).data).toEqual(page.data);
    } finally {
      await restarted.stop();
    }
  });
});

describeWithServer('an upgrade: cursors issued in the clear before sealing', () => {
  let database: TestDatabase;
  let t: TestHub;
  const before = migrationsList.findIndex((migration) => migration.name === 'Migration20261204000300_cursor_key');

  beforeAll(async () => {
    database = await createTestDatabase();
    // The database as the hub left it before sealing: the earlier migrations and three commits in the log.
    const orm = await openOrm(database.url, 2, entities);
    try {
      await orm.getMigrator().up({ to: migrationsList[before - 1].name });
    } finally {
      await orm.close(true);
    }
    for (let seq = 1; seq <= 3; seq++) {
      const tx = randomUUID();
      await sql(
        database.url,
        `insert into change_event (tx_id, ordinal, occurred_at, topic, kind, entity_id, classification, shared_unit_codes, shared_kinds, payload)
         select $1, o, now(), 'CASE', 'UPDATED', $2 || ':' || o, 'SHARED', '{}', '{}', '{}'::json from generate_series(1, 2) o`,
        [tx, `legacy-${seq}`],
      );
      await sql(database.url, 'insert into change_commit (seq, tx_id, committed_at, event_count) values ($1, $2, now(), 2)', [seq, tx]);
    }
    await sql(database.url, 'update change_log_counter set value = 3');
    // The upgrade: a hub starts on it and applies the migration that begins sealing.
    const admin = `legacy-admin-${randomUUID()}`;
    t = await startInstance({ databaseUrl: database.url, adminKey: admin } as TestHub);
    await publish(t, admin, 1);
  });
  afterAll(async () => {
    await t?.stop();
    await database?.drop();
  });

  it('the migration kept the head of the log at the upgrade', async () => {
    expect(await sql(database.url, "select value from hub_secret where name = 'change-cursor-legacy-limit'")).toEqual([{ value: '3' }]);
  });

  it('a clear cursor of before is still read: the page after it has the later changes, with sealed cursors', async () => {
    const result = await t.gql(PAGE, { after: b64url('fyh1:2:1'), first: 10 });
    expect(result.errors).toBeUndefined();
    const ids = result.data.changes.edges.map((edge: any) => edge.node.entityId);
    expect(ids.slice(0, 3)).toEqual(['legacy-2:2', 'legacy-3:1', 'legacy-3:2']);
    expect(ids).toHaveLength(4);
    for (const edge of result.data.changes.edges) expect(Buffer.from(edge.cursor, 'base64url').toString('latin1')).not.toContain('fyh1');
    expect(result.data.changes.pageInfo.endCursor).toBe(await headOf(t));
    // The start of the log in the clear form reads the whole log.
    const all = await t.gql(PAGE, { after: b64url('fyh1:0:0'), first: 10 });
    expect(all.data.changes.edges).toHaveLength(7);
  });

  it('a clear cursor beyond the head at the upgrade was never issued: refused, though the log has grown past it', async () => {
    expect(await lastSeq(t)).toBe(4);
    for (const text of ['fyh1:4:0', 'fyh1:4:1', 'fyh1:1000:1']) {
      const result = await t.gql(PAGE, { after: b64url(text), first: 10 });
      expect([text, result.errors?.[0]?.extensions]).toEqual([text, { code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' }]);
    }
  });
});
