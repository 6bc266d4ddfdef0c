/**
 * The keyed audit chain on a real database, checked by the compiled `audit verify` command: a trail upgraded from
 * records with unkeyed SHA-256 links, tampering by the table's owner as the PostgreSQL superuser (the append-only
 * triggers disabled, a record changed and the unkeyed links recomputed, records deleted, the whole trail rewritten
 * without the key), a key rotated with the old one retired, an instance with another key refused, and the embedded
 * database's key file made at first start and kept.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import canonicalize from 'canonicalize';
import pino from 'pino';
import { startHub, type Hub } from '../../src/app';
import { verifyAuditTrail } from '../../src/audit/verify-command';
import { loadConfig } from '../../src/config';
import { openOrm } from '../../src/db/orm';
import { entities } from '../../src/entities';
import { createLogger } from '../../src/logger';
import { createTestDatabase, describeWithServer, sql, type TestDatabase } from '../support/db';

jest.setTimeout(120_000);
const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/src/main.js');
const KEY_A = 'YXVkaXQta2V5LWEtYXVkaXQta2V5LWEtYXVkaXQta2V5LWE=';
const KEY_B = 'YXVkaXQta2V5LWItYXVkaXQta2V5LWItYXVkaXQta2V5LWI=';
const KEY_C = 'YXVkaXQta2V5LWMtYXVkaXQta2V5LWMtYXVkaXQta2V5LWM=';
const ADMIN = 'audit-chain-admin-key-0123456789abcdef';
const silent = createLogger('silent');

/** `node dist/src/main.js audit verify …` with these settings only; its exit code and lines. */
async function verifyCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; lines: string[]; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'audit', 'verify', ...args], { env: childEnv, timeout: 60_000 });
    return { code: 0, lines: stdout.trim().split('\n'), stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, lines: failed.stdout.trim().split('\n'), stderr: failed.stderr };
  }
}

interface StoredRow {
  id: string;
  occurred_at: Date;
  actor_unit_id: string | null;
  actor_credential_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
  key_id: string | null;
}

/** The unkeyed SHA-256 link as the hub wrote it before the key; anyone who can write the table can compute it. */
function unkeyed(prev: string, row: Omit<StoredRow, 'id' | 'prev_hash' | 'hash' | 'key_id'>): string {
  const record = {
    occurredAt: row.occurred_at.toISOString(),
    actorUnitId: row.actor_unit_id,
    actorCredentialId: row.actor_credential_id,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    detail: row.detail,
  };
  return createHash('sha256')
    .update(`${prev}\n${canonicalize(record)}`)
    .digest('hex');
}

describeWithServer('the keyed audit chain on a PostgreSQL server', () => {
  let database: TestDatabase;
  let hub: Hub | undefined;
  const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: database.url, AUDIT_KEY: KEY_A, ...extra });
  const start = (extra: Record<string, string> = {}) =>
    startHub(loadConfig({ ...env(extra), PORT: '0', HOST: '127.0.0.1', HUB_ADMIN_KEY: ADMIN }), silent);
  const rows = () =>
    sql<StoredRow>(
      database.url,
      'select id::text as id, occurred_at, actor_unit_id, actor_credential_id, action, entity_type, entity_id, detail, prev_hash, hash, key_id from audit_record order by audit_record.id',
    );
  const createUnit = async (code: string) => {
    const response = await fetch(hub!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({
        query: `mutation { createUnit(input: { code: "${code}", kind: TAX, name: "${code} 单位", regionCode: "140800" }) { id } }`,
      }),
    });
    expect(((await response.json()) as any).errors).toBeUndefined();
  };

  /** As the superuser, with the append-only triggers off: what the table's owner can do. */
  async function asOwner(work: (client: { query(text: string, params?: unknown[]): Promise<unknown> }) => Promise<unknown>): Promise<void> {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('alter table audit_record disable trigger all');
      await work(client);
    } finally {
      await client.query('alter table audit_record enable trigger all');
      await client.end();
    }
  }

  /** Puts `saved` back as the whole trail. */
  const restore = (saved: StoredRow[]) =>
    asOwner(async (client) => {
      await client.query('delete from audit_record');
      for (const row of saved) {
        await client.query(
          'insert into audit_record (id, occurred_at, actor_unit_id, actor_credential_id, action, entity_type, entity_id, detail, prev_hash, hash, key_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
          [
            row.id,
            row.occurred_at,
            row.actor_unit_id,
            row.actor_credential_id,
            row.action,
            row.entity_type,
            row.entity_id,
            JSON.stringify(row.detail),
            row.prev_hash,
            row.hash,
            row.key_id,
          ],
        );
      }
    });

  /** Sets every record from index `from` on to an unkeyed link recomputed over what is stored (optionally unkeyed). */
  const relink = (from: number, dropKeys = false) =>
    asOwner(async (client) => {
      const current = await rows();
      let prev = from === 0 ? '0'.repeat(64) : current[from - 1].hash;
      for (const row of current.slice(from)) {
        const hash = unkeyed(prev, row);
        await client.query(`update audit_record set prev_hash = $1, hash = $2${dropKeys ? ', key_id = null' : ''} where id = $3`, [
          prev,
          hash,
          row.id,
        ]);
        prev = hash;
      }
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    // A trail of before the key: the schema of the first three migrations and three records linked as the hub linked them.
    const orm = await openOrm(database.url, 2, entities);
    try {
      await orm.getMigrator().up({ to: 'Migration20261129000000_case_ledger' });
    } finally {
      await orm.close(true);
    }
    let prev = '0'.repeat(64);
    for (let n = 1; n <= 3; n++) {
      const row = {
        occurred_at: new Date(Date.UTC(2026, 10, 20, 9, 0, n, 123)),
        actor_unit_id: null,
        actor_credential_id: null,
        action: 'unit.update',
        entity_type: 'Unit',
        entity_id: `before-the-key-${n}`,
        detail: { n, name: `名称${n}`, nested: { a: [1, 2.5, 'x'], b: null } },
      };
      const hash = unkeyed(prev, row);
      await sql(
        database.url,
        'insert into audit_record (occurred_at, actor_unit_id, actor_credential_id, action, entity_type, entity_id, detail, prev_hash, hash) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [row.occurred_at, null, null, row.action, row.entity_type, row.entity_id, JSON.stringify(row.detail), prev, hash],
      );
      prev = hash;
    }
  });
  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
  });

  let saved: StoredRow[];
  let head: string;

  it('an upgraded trail: the old records keep their SHA-256 links, the first keyed record links to the last of them, verify checks both', async () => {
    const logged: { auditHead?: string; unkeyedRecords?: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
    hub = await startHub(loadConfig({ ...env(), PORT: '0', HOST: '127.0.0.1', HUB_ADMIN_KEY: ADMIN }), log);
    expect(logged.find((line) => line.unkeyedRecords !== undefined)).toMatchObject({
      unkeyedRecords: 3,
      msg: expect.stringContaining('keyed from now on'),
    });
    // The head, logged at start (and once a day): the keyed record and the bootstrap's two after it.
    const started = await rows();
    expect(logged.find((line) => line.auditHead)).toMatchObject({
      auditHead: `${started[started.length - 1].id}:${started[started.length - 1].hash}`,
      msg: expect.stringContaining('keep it with the backups'),
    });
    // Past record 10, so that an order by the id's text (…, 10, 11, 2, …) would show.
    for (const code of ['AUDIT-A', 'AUDIT-A2', 'AUDIT-A3', 'AUDIT-A4', 'AUDIT-A5', 'AUDIT-A6']) await createUnit(code);
    saved = await rows();
    expect(saved.length).toBe(12);
    expect(saved.slice(0, 3).map((row) => row.key_id)).toEqual([null, null, null]);
    // At once at the upgrade: a keyed record that links to the last unkeyed one, so that the newest record is keyed.
    expect(saved[3]).toMatchObject({
      action: 'audit.keyed',
      key_id: 'k1',
      prev_hash: saved[2].hash,
      detail: { keyId: 'k1', unkeyedRecords: 3, linksTo: '3' },
    });
    expect(saved.slice(3).every((row) => row.key_id === 'k1')).toBe(true);
    expect(saved.map((row) => row.action).slice(4, 7)).toEqual(['unit.create', 'credential.issue', 'unit.create']);

    const result = await verifyCli(env());
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const last = saved[saved.length - 1];
    expect(result.lines).toEqual([
      `audit trail: ${saved.length} records, 3 with unkeyed SHA-256 links, ${saved.length - 3} keyed (k1): intact`,
      `head ${last.id}:${last.hash}`,
    ]);
    head = `${last.id}:${last.hash}`;
    expect((await verifyCli(env(), '--expect-head', head)).code).toBe(0);
  });

  it('a keyed record changed and the unkeyed links recomputed by the superuser: exit 1 naming that record, changed content', async () => {
    const target = saved[5];
    await asOwner((client) => client.query(`update audit_record set detail = detail || '{"label":"forged"}' where id = $1`, [target.id]));
    await relink(5);
    const result = await verifyCli(env());
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe(`record ${target.id}: changed content: its link does not match its content under key k1`);
    expect(result.lines[result.lines.length - 2]).toMatch(new RegExp(`problem\\(s\\), the first at record ${target.id}$`));
    await restore(saved);
    expect((await verifyCli(env())).code).toBe(0);
  });

  it('a record before the key changed and its links recomputed up to the key: the first keyed record no longer links', async () => {
    await asOwner(async (client) => {
      await client.query(`update audit_record set entity_id = 'someone-else' where id = $1`, [saved[1].id]);
      const current = await rows();
      let prev = current[0].hash;
      for (const row of current.slice(1, 3)) {
        const hash = unkeyed(prev, row);
        await client.query('update audit_record set prev_hash = $1, hash = $2 where id = $3', [prev, hash, row.id]);
        prev = hash;
      }
    });
    const result = await verifyCli(env());
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe(`record ${saved[3].id}: broken link: it does not link to record ${saved[2].id}, the record before it`);
    await restore(saved);
  });

  it('the newest records deleted: the chain is still valid, but not the head recorded earlier (--expect-head)', async () => {
    await asOwner((client) => client.query('delete from audit_record where id > $1', [saved[saved.length - 3].id]));
    const alone = await verifyCli(env());
    expect(alone.code).toBe(0);
    expect(alone.lines[alone.lines.length - 1]).toBe(`head ${saved[saved.length - 3].id}:${saved[saved.length - 3].hash}`);
    const checked = await verifyCli(env(), '--expect-head', head);
    expect(checked.code).toBe(1);
    const last = saved[saved.length - 1];
    expect(checked.lines[0]).toBe(
      `record ${last.id}: expected head: the record is missing (the chain ends at record ${saved[saved.length - 3].id}): the newest records were deleted`,
    );
    await restore(saved);
  });

  it('a record deleted in the middle: missing record, at the one after it', async () => {
    await asOwner((client) => client.query('delete from audit_record where id = $1', [saved[4].id]));
    const result = await verifyCli(env());
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe(
      `record ${saved[5].id}: missing record: it does not link to record ${saved[3].id}, and record ${saved[4].id} before it is gone`,
    );
    await restore(saved);
  });

  it('records after a keyed one rewritten unkeyed: verify names them; the running hub adds nothing to them, a new one does not start', async () => {
    await relink(6, true);
    const result = await verifyCli(env());
    expect(result.code).toBe(1);
    expect(result.lines[0]).toBe(
      `record ${saved[6].id}: not keyed: it is not keyed but comes after keyed records: it was written or rewritten without the key`,
    );
    // A keyed record linking to them would vouch for them: the write fails, nothing is committed.
    const units = (await sql(database.url, 'select count(*)::int as n from unit'))[0].n;
    const response = await fetch(hub!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ query: 'mutation { createUnit(input: { code: "AUDIT-X", kind: TAX, name: "X", regionCode: "140800" }) { id } }' }),
    });
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect((await sql(database.url, 'select count(*)::int as n from unit'))[0].n).toBe(units);
    expect((await rows()).length).toBe(saved.length);
    await expect(start()).rejects.toThrow(new RegExp(`^the newest audit record ${saved[saved.length - 1].id} is not keyed`));
    await restore(saved);
  });

  it('the whole trail rewritten without the key: verify says the newest record is not keyed, and --expect-head still tells after a hub keyed it again', async () => {
    await relink(0, true);
    const result = await verifyCli(env());
    expect(result.code).toBe(1);
    expect(result.lines[0]).toMatch(new RegExp(`^record ${saved[saved.length - 1].id}: not keyed: the newest record is not keyed`));
    // To a hub that starts now it looks like a trail from before the key: it keys its head. Only the head kept
    // with the backups tells the two apart.
    const other = await start();
    await other.stop();
    expect((await verifyCli(env())).code).toBe(0);
    const checked = await verifyCli(env(), '--expect-head', head);
    expect(checked.code).toBe(1);
    expect(checked.lines[0]).toBe(
      `record ${saved[saved.length - 1].id}: expected head: its link is not the expected head's ${head.split(':')[1]}: the chain was rewritten from here or before`,
    );
    await restore(saved);
    expect((await verifyCli(env(), '--expect-head', head)).code).toBe(0);
  });

  it('a bad --expect-head is a usage error', async () => {
    const result = await verifyCli(env(), '--expect-head', 'latest');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^fuyuan-hub: --expect-head takes the head as audit verify printed it/);
  });

  it('an instance with another key is refused with one line, and writes nothing', async () => {
    const before = (await rows()).length;
    await expect(start({ AUDIT_KEY: KEY_C })).rejects.toThrow(
      /^AUDIT_KEY is not the key that wrote the audit records of key id k1 \(record \d+ does not verify\): every instance needs the same key/,
    );
    expect((await rows()).length).toBe(before);
    // With the right key a second instance starts beside the first.
    const second = await start();
    await second.stop();
  });

  it('a rotated key: AUDIT_KEY_ID k2 writes, the retired k1 still verifies its records; without it they are unknown', async () => {
    await hub!.stop();
    const rotated = { AUDIT_KEY: KEY_B, AUDIT_KEY_ID: 'k2', AUDIT_KEYS_RETIRED: `k1:${KEY_A}` };
    hub = await start(rotated);
    await createUnit('AUDIT-B');
    const after = await rows();
    expect(after[after.length - 1]).toMatchObject({ action: 'unit.create', key_id: 'k2', prev_hash: after[after.length - 2].hash });
    const result = await verifyCli(env(rotated));
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatch(/keyed \(k1, k2\): intact$/);
    const unknown = await verifyCli(env({ AUDIT_KEY: KEY_B, AUDIT_KEY_ID: 'k2' }));
    expect(unknown.code).toBe(1);
    expect(unknown.lines[0]).toBe(
      `record 4: unknown key id: its key id k1 is neither AUDIT_KEY_ID nor in AUDIT_KEYS_RETIRED: its records cannot be checked`,
    );
    // A wrong retired key is refused at start as a wrong key in use is.
    await expect(start({ ...rotated, AUDIT_KEYS_RETIRED: `k1:${KEY_C}` })).rejects.toThrow(
      /^AUDIT_KEYS_RETIRED is not the key that wrote the audit records of key id k1/,
    );
  });
});

describe('the embedded database: the key file in DATA_DIR', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fyh-audit-key-'));
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const config = () => loadConfig({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', HUB_ADMIN_KEY: ADMIN });
  const file = () => path.join(dataDir, 'audit.key');

  it('the first start makes DATA_DIR/audit.key (mode 0600, beside pgdata); a restart uses it; the trail verifies', async () => {
    const first = await startHub(config(), silent);
    let key: string;
    try {
      expect(fs.readdirSync(dataDir).sort()).toEqual(['audit.key', 'hub.lock', 'pgdata']);
      expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
      key = fs.readFileSync(file(), 'utf8');
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
      expect((await first.db.orm.em.fork().execute(`select count(*)::int as n from audit_record where key_id = 'k1'`))[0].n).toBe(2);
    } finally {
      await first.stop();
    }
    const again = await startHub(config(), silent);
    try {
      expect(fs.readFileSync(file(), 'utf8')).toBe(key);
      const verified = await verifyAuditTrail(again.db.orm.em.fork(), again.db.auditKeys);
      expect(verified).toEqual({
        ok: true,
        lines: [expect.stringMatching(/^audit trail: 2 records, 2 keyed \(k1\): intact$/), expect.stringMatching(/^head 2:[0-9a-f]{64}$/)],
      });
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('a lost key file is not made anew over a keyed trail, and a different one is refused', async () => {
    const key = fs.readFileSync(file(), 'utf8');
    fs.rmSync(file());
    await expect(startHub(config(), silent)).rejects.toThrow(
      /^the audit key file .*audit\.key is missing but 2 audit records are keyed: restore the file from the backup/,
    );
    expect(fs.existsSync(file())).toBe(false);
    fs.writeFileSync(file(), 'c29tZS1vdGhlci1rZXktc29tZS1vdGhlci1rZXktc29tZQ\n', { mode: 0o600 });
    await expect(startHub(config(), silent)).rejects.toThrow(/audit\.key is not the key that wrote the audit records of key id k1/);
    fs.writeFileSync(file(), key, { mode: 0o600 });
    const restored = await startHub(config(), silent);
    await restored.stop();
  }, 180_000);
});
