/**
 * A real hub for a test file: on a database of its own on the PostgreSQL server, or on the embedded database
 * in a temporary folder when there is no server. Talk to it over HTTP with {@link TestHub.gql}.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logger';
import { createTestDatabase, serverUrl, TEST_AUDIT_KEY, type TestDatabase } from './db';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: Record<string, any>; path?: string[] }[];
  body: any;
}

export interface TestHub {
  hub: Hub;
  url: string;
  adminKey: string;
  /** URL of the hub's database (the local socket when embedded). */
  databaseUrl: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string | null): Promise<GqlResult<T>>;
  /**
   * Issues a key to `unit` (created with kind OTHER when missing) with `roles`; returns the key. A COURT unit it
   * creates gets `courtCode` (法院代字), or when none is given a filler of its own (兵9001, 兵9002, …) that no test's
   * case numbers carry.
   */
  keyFor(unit: string, roles: string[], kind?: string, courtCode?: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `log` replaces the hub's logger (default: silent, or LOG_LEVEL): a test that counts SQL statements passes a pino
 * logger at level 'trace' writing to a stream it captures, and counts the ORM's `orm: true` lines. With
 * `embedded`, the hub runs on the embedded database even when a server is there (for what differs on it).
 */
export async function startTestHub(env: Record<string, string> = {}, log?: Logger, options: { embedded?: boolean } = {}): Promise<TestHub> {
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  let database: TestDatabase | undefined;
  let dataDir: string | undefined;
  if (serverUrl() && !options.embedded) database = await createTestDatabase();
  else dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fyh-test-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    HUB_ADMIN_KEY: adminKey,
    ...(database ? { DATABASE_URL: database.url, AUDIT_KEY: TEST_AUDIT_KEY } : { DATA_DIR: dataDir! }),
    // DB_POOL_SIZE=1 npm test finds any query issued on a second connection inside a transaction: it hangs.
    ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
    // COMPILED_READS=false npm run test:executed runs the read tests through ordinary execution (compiled-reads.ts).
    ...(process.env.COMPILED_READS ? { COMPILED_READS: process.env.COMPILED_READS } : {}),
    ...env,
  });
  const hub = await startHub(config, log ?? createLogger(process.env.LOG_LEVEL ?? 'silent'));

  const gql = gqlAt(hub.url, adminKey);

  let fillerCourtCodes = 9000;
  const keyFor = async (unit: string, roles: string[], kind = 'OTHER', courtCode?: string) => {
    const code = unit.toUpperCase();
    const existing = await gql(`query { units(first: 500) { edges { node { code } } } }`);
    if (!existing.data.units.edges.some((edge: any) => edge.node.code === code)) {
      const court = kind === 'COURT' ? { courtCode: courtCode ?? `兵${++fillerCourtCodes}` } : {};
      const created = await gql(`mutation($input: CreateUnitInput!) { createUnit(input: $input) { id } }`, {
        input: { code, kind, name: `${code} 测试单位`, regionCode: '140800', ...court },
      });
      if (created.errors) throw new Error(JSON.stringify(created.errors));
    }
    const issued = await gql(`mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key } }`, {
      input: { unit: code, roles },
    });
    if (issued.errors) throw new Error(JSON.stringify(issued.errors));
    return issued.data.issueCredential.key as string;
  };

  return {
    hub,
    url: hub.url,
    adminKey,
    databaseUrl: database?.url ?? hub.db.clientUrl,
    gql,
    keyFor,
    async stop() {
      await hub.stop();
      await database?.drop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A GraphQL-over-HTTP caller of the hub at `url`, with `defaultKey` unless a call names another (or null). */
export function gqlAt(url: string, defaultKey: string): TestHub['gql'] {
  return async (query, variables, key = defaultKey) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as any;
    return { status: response.status, data: body.data, errors: body.errors, body };
  };
}

/**
 * Another hub instance on the database of `t` (on the PostgreSQL server only), with settings of its own: for the
 * tests of several instances. Stopping it leaves the database to `t`.
 */
export async function startInstance(t: TestHub, env: Record<string, string> = {}, log?: Logger): Promise<TestHub> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: t.databaseUrl,
    HUB_ADMIN_KEY: t.adminKey,
    AUDIT_KEY: TEST_AUDIT_KEY,
    ...(process.env.COMPILED_READS ? { COMPILED_READS: process.env.COMPILED_READS } : {}),
    ...env,
  });
  const hub = await startHub(config, log ?? createLogger(process.env.LOG_LEVEL ?? 'silent'));
  return { ...t, hub, url: hub.url, gql: gqlAt(hub.url, t.adminKey), stop: () => hub.stop() };
}
