import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { ConfigError, loadConfig } from '../../src/config';

const AUDIT_KEY = 'dGhpcy1pcy1hLXRlc3QtYXVkaXQta2V5LTAxMjM0NTY3';

describe('settings', () => {
  it('has defaults for a fresh machine: embedded database in ./data, port 4000, migrations on start', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      dataDir: path.resolve('data'),
      migrateOnStart: true,
      poolSize: 4,
      maxPageSize: 500,
      office: { code: 'OFFICE', kind: 'OTHER', regionCode: '140800' },
    });
    expect(config.bodyLimit).toBe(64 * 1024 * 1024);
    expect(config.credentialCacheMs).toBe(1000);
    expect(config.compiledReads).toBe(true);
    expect(loadConfig({ COMPILED_READS: 'false' }).compiledReads).toBe(false);
    expect(config.retiredSettings).toEqual([]);
  });

  it('CREDENTIAL_CACHE_MS takes milliseconds up to a minute, 0 turning the cache off', () => {
    expect(loadConfig({ CREDENTIAL_CACHE_MS: '0' }).credentialCacheMs).toBe(0);
    expect(loadConfig({ CREDENTIAL_CACHE_MS: '250' }).credentialCacheMs).toBe(250);
    expect(() => loadConfig({ CREDENTIAL_CACHE_MS: '60001' })).toThrow('CREDENTIAL_CACHE_MS');
    expect(() => loadConfig({ CREDENTIAL_CACHE_MS: '-1' })).toThrow('CREDENTIAL_CACHE_MS');
    expect(() => loadConfig({ BODY_LIMIT: '0' })).toThrow('BODY_LIMIT must be a size such as 512kb or 64mb (at least 1kb)');
  });

  it('RESPONSE_CACHE_SIZE is no longer read: any value is accepted and named as retired (the hub warns at start)', () => {
    expect(loadConfig({ RESPONSE_CACHE_SIZE: 'big' }).retiredSettings).toEqual(['RESPONSE_CACHE_SIZE']);
    expect(loadConfig({ RESPONSE_CACHE_SIZE: '' }).retiredSettings).toEqual([]);
  });

  it('MAX_NESTED_LIST (default 100, at most MAX_PAGE_SIZE) and MAX_RESOLVED_OBJECTS (default 200,000)', () => {
    expect(loadConfig({}).limits).toMatchObject({ maxNestedList: 100, maxResolvedObjects: 200_000, maxCost: 20_000 });
    expect(loadConfig({ MAX_NESTED_LIST: '250', MAX_RESOLVED_OBJECTS: '5000' }).limits).toMatchObject({
      maxNestedList: 250,
      maxResolvedObjects: 5000,
    });
    // A page size below 100 lowers the default: a nested list is never longer than a page.
    expect(loadConfig({ MAX_PAGE_SIZE: '40' }).limits.maxNestedList).toBe(40);
    expect(loadConfig({ MAX_PAGE_SIZE: '40', MAX_NESTED_LIST: '40' }).limits.maxNestedList).toBe(40);
    expect(() => loadConfig({ MAX_PAGE_SIZE: '40', MAX_NESTED_LIST: '41' })).toThrow(
      'MAX_NESTED_LIST (41) must not be larger than MAX_PAGE_SIZE (40)',
    );
    expect(() => loadConfig({ MAX_NESTED_LIST: '501' })).toThrow(ConfigError);
  });

  it('what a client may send, and the caps per socket and per key: defaults, settings, and the timeouts in order', () => {
    expect(loadConfig({})).toMatchObject({
      admission: {
        anonymousBodyLimit: 64 * 1024,
        anonymousRequestTimeoutMs: 10_000,
        requestTimeoutMs: 300_000,
        maxConnections: 10_000,
        largeBodyWaitMs: 30_000,
        wsMessageLimit: 1024 * 1024,
        eventLoopWarnMs: 0,
      },
      caps: { operationsPerSocket: 100, socketsPerKey: 200, subscriptionsPerKey: 1000 },
    });
    const config = loadConfig({
      ANONYMOUS_BODY_LIMIT: '16kb',
      ANONYMOUS_REQUEST_TIMEOUT_MS: '5000',
      HTTP_REQUEST_TIMEOUT_MS: '60000',
      MAX_CONNECTIONS: '2000',
      LARGE_BODY_WAIT_MS: '0',
      WS_MESSAGE_LIMIT: '4mb',
      EVENT_LOOP_WARN_MS: '100',
      MAX_OPERATIONS_PER_SOCKET: '10',
      MAX_SOCKETS_PER_KEY: '1250',
      MAX_SUBSCRIPTIONS_PER_KEY: '1250',
    });
    expect(config.admission).toEqual({
      anonymousBodyLimit: 16 * 1024,
      anonymousRequestTimeoutMs: 5000,
      requestTimeoutMs: 60_000,
      maxConnections: 2000,
      largeBodyWaitMs: 0,
      wsMessageLimit: 4 * 1024 * 1024,
      eventLoopWarnMs: 100,
    });
    expect(config.caps).toEqual({ operationsPerSocket: 10, socketsPerKey: 1250, subscriptionsPerKey: 1250 });
    // Node's headersTimeout (the anonymous one) may not exceed its requestTimeout.
    expect(() => loadConfig({ ANONYMOUS_REQUEST_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(
      'HTTP_REQUEST_TIMEOUT_MS (10000) must be at least ANONYMOUS_REQUEST_TIMEOUT_MS (20000)',
    );
  });

  it('reads every setting', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://hub@db:5432/hub',
      AUDIT_KEY: 'dGhpcy1pcy1hLXRlc3QtYXVkaXQta2V5LTAxMjM0NTY3',
      MIGRATE_ON_START: 'false',
      BODY_LIMIT: '10mb',
      DB_POOL_SIZE: '20',
      HUB_ADMIN_KEY: 'a-very-long-admin-key-for-tests',
      HUB_OFFICE_CODE: 'yc-office',
      HUB_OFFICE_KIND: 'court',
      HUB_OFFICE_REGION: '140800',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://hub@db:5432/hub',
      migrateOnStart: false,
      bodyLimit: 10 * 1024 * 1024,
      poolSize: 20,
      office: { code: 'YC-OFFICE', kind: 'COURT' },
    });
  });

  it('DATABASE_OWNER_URL: beside DATABASE_URL, on its host, port and database; blank is unset', () => {
    const runtime = 'postgres://fuyuan_hub:secret@db:5432/fuyuan';
    const AUDIT = 'a-test-audit-key-of-at-least-32-characters';
    expect(loadConfig({ DATABASE_URL: runtime, AUDIT_KEY: AUDIT, DATABASE_OWNER_URL: 'postgres://fuyuan_owner:other@DB/fuyuan' })).toMatchObject({
      databaseUrl: runtime,
      databaseOwnerUrl: 'postgres://fuyuan_owner:other@DB/fuyuan',
    });
    expect(loadConfig({ DATABASE_URL: runtime, AUDIT_KEY: AUDIT, DATABASE_OWNER_URL: ' ' }).databaseOwnerUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: runtime, AUDIT_KEY: AUDIT }).databaseOwnerUrl).toBeUndefined();
  });

  it.each<[Record<string, string>, string]>([
    [
      { DATABASE_OWNER_URL: 'postgres://owner:hunter2@db:5432/fuyuan' },
      'DATABASE_OWNER_URL needs DATABASE_URL (the runtime role) beside it; the embedded database has one role',
    ],
    [
      { DATABASE_URL: 'postgres://hub@db:5432/fuyuan', DATABASE_OWNER_URL: 'postgres://owner:hunter2@db:5432/other' },
      'DATABASE_OWNER_URL must name the server and database of DATABASE_URL (db:5432/fuyuan), got db:5432/other',
    ],
    [{ DATABASE_URL: 'postgres://hub@db:5432/fuyuan', DATABASE_OWNER_URL: 'postgres://owner:hunter2@db2:5432/fuyuan' }, 'got db2:5432/fuyuan'],
    [{ DATABASE_URL: 'postgres://hub@db:5432/fuyuan', DATABASE_OWNER_URL: 'postgres://owner:hunter2@db:5433/fuyuan' }, 'got db:5433/fuyuan'],
    [
      { DATABASE_URL: 'postgres://hub@db:5432/fuyuan', DATABASE_OWNER_URL: 'mysql://owner:hunter2@db/fuyuan' },
      'DATABASE_OWNER_URL must start with postgres:// or postgresql://',
    ],
    [
      { DATABASE_URL: 'postgres://hub@db:5432/fuyuan', DATABASE_OWNER_URL: 'postgres://owner:hunter2@db:5432' },
      'DATABASE_OWNER_URL names no database',
    ],
  ])('refuses DATABASE_OWNER_URL in %j with one line (the passwords not in it)', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
    expect(() => loadConfig(env)).not.toThrow('hunter2');
  });

  it.each([
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://db/hub' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://db' }, 'DATABASE_URL'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START'],
    [{ BODY_LIMIT: 'lots' }, 'BODY_LIMIT'],
    [{ BODY_LIMIT: '10' }, 'BODY_LIMIT'],
    [{ HUB_ADMIN_KEY: 'short' }, 'HUB_ADMIN_KEY'],
    [{ HUB_OFFICE_REGION: '990000' }, 'HUB_OFFICE_REGION'],
    [{ HUB_OFFICE_KIND: 'PALACE' }, 'HUB_OFFICE_KIND'],
    [{ HUB_OFFICE_CODE: 'a b' }, 'HUB_OFFICE_CODE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MAX_PAGE_SIZE: '0' }, 'MAX_PAGE_SIZE'],
    [{ CREDENTIAL_CACHE_MS: 'soon' }, 'CREDENTIAL_CACHE_MS'],
    [{ COMPILED_READS: 'sometimes' }, 'COMPILED_READS'],
    [{ HUB_TIMEZONE: 'Mars/Olympus' }, 'HUB_TIMEZONE'],
    // An abbreviation: China's to some, Chicago's to others.
    [{ HUB_TIMEZONE: 'CST' }, 'HUB_TIMEZONE'],
    [{ MAX_QUERY_DEPTH: '1' }, 'MAX_QUERY_DEPTH'],
    [{ MAX_QUERY_COST: 'much' }, 'MAX_QUERY_COST'],
    [{ MAX_NESTED_LIST: '0' }, 'MAX_NESTED_LIST'],
    [{ MAX_NESTED_LIST: 'ten' }, 'MAX_NESTED_LIST'],
    [{ MAX_RESOLVED_OBJECTS: '0' }, 'MAX_RESOLVED_OBJECTS'],
    [{ MAX_RESOLVED_OBJECTS: '-1' }, 'MAX_RESOLVED_OBJECTS'],
    [{ ANALYST_STATEMENT_TIMEOUT: '-5' }, 'ANALYST_STATEMENT_TIMEOUT'],
    [{ FEED_POLL_MS: '1' }, 'FEED_POLL_MS'],
    [{ FEED_LISTEN: 'sometimes' }, 'FEED_LISTEN'],
    [{ DEMO_ENTERPRISES: '5' }, 'DEMO_ENTERPRISES'],
    [{ AUDIT_KEY: 'too-short' }, 'AUDIT_KEY'],
    [{ AUDIT_KEY: 'has spaces in it so it is not base64 at all, sorry' }, 'AUDIT_KEY'],
    [{ AUDIT_KEY: AUDIT_KEY, AUDIT_KEY_FILE: '/etc/hostname' }, 'AUDIT_KEY_FILE'],
    [{ AUDIT_KEY_FILE: '/nonexistent/audit.key' }, 'AUDIT_KEY_FILE'],
    [{ AUDIT_KEY_ID: 'k 1' }, 'AUDIT_KEY_ID'],
    [{ AUDIT_KEYS_RETIRED: 'k0' }, 'AUDIT_KEYS_RETIRED'],
    [{ AUDIT_KEYS_RETIRED: `k0:short` }, 'AUDIT_KEYS_RETIRED'],
    [{ AUDIT_KEYS_RETIRED: `k1:${AUDIT_KEY}` }, 'AUDIT_KEYS_RETIRED'],
    [{ AUDIT_KEYS_RETIRED: `k0:${AUDIT_KEY},k0:${AUDIT_KEY}` }, 'AUDIT_KEYS_RETIRED'],
    [{ ANONYMOUS_BODY_LIMIT: '100' }, 'ANONYMOUS_BODY_LIMIT'],
    [{ ANONYMOUS_REQUEST_TIMEOUT_MS: 'soon' }, 'ANONYMOUS_REQUEST_TIMEOUT_MS'],
    [{ HTTP_REQUEST_TIMEOUT_MS: '5' }, 'HTTP_REQUEST_TIMEOUT_MS'],
    [{ MAX_CONNECTIONS: '0' }, 'MAX_CONNECTIONS'],
    [{ LARGE_BODY_WAIT_MS: '-1' }, 'LARGE_BODY_WAIT_MS'],
    [{ WS_MESSAGE_LIMIT: 'huge' }, 'WS_MESSAGE_LIMIT'],
    [{ EVENT_LOOP_WARN_MS: 'x' }, 'EVENT_LOOP_WARN_MS'],
    [{ MAX_OPERATIONS_PER_SOCKET: '0' }, 'MAX_OPERATIONS_PER_SOCKET'],
    [{ MAX_SOCKETS_PER_KEY: 'many' }, 'MAX_SOCKETS_PER_KEY'],
    [{ MAX_SUBSCRIPTIONS_PER_KEY: '1.5' }, 'MAX_SUBSCRIPTIONS_PER_KEY'],
  ])('refuses %j with a message naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});

describe('HUB_TIMEZONE', () => {
  it('defaults to Asia/Shanghai and takes IANA names', () => {
    expect(loadConfig({}).timeZone).toBe('Asia/Shanghai');
    expect(loadConfig({ HUB_TIMEZONE: 'UTC' }).timeZone).toBe('UTC');
    expect(loadConfig({ HUB_TIMEZONE: 'America/Argentina/Buenos_Aires' }).timeZone).toBe('America/Argentina/Buenos_Aires');
  });

  describe('the audit key', () => {
    it('is required with DATABASE_URL: one line naming AUDIT_KEY', () => {
      const server = { DATABASE_URL: 'postgres://hub@db:5432/hub' };
      expect(() => loadConfig(server)).toThrow(ConfigError);
      expect(() => loadConfig(server)).toThrow(/^AUDIT_KEY \(or AUDIT_KEY_FILE\) is required with DATABASE_URL/);
      expect(loadConfig({ ...server, AUDIT_KEY }).audit).toMatchObject({ key: AUDIT_KEY, keySource: 'AUDIT_KEY', keyId: 'k1' });
    });

    it('is optional on the embedded database (DATA_DIR/audit.key is used)', () => {
      expect(loadConfig({}).audit).toEqual({ key: undefined, keySource: undefined, keyId: 'k1', retired: new Map() });
    });

    it('comes from AUDIT_KEY_FILE, trimmed', () => {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fyh-config-')), 'audit.key');
      fs.writeFileSync(file, `${AUDIT_KEY}\n`);
      expect(loadConfig({ DATABASE_URL: 'postgres://hub@db:5432/hub', AUDIT_KEY_FILE: file }).audit).toMatchObject({
        key: AUDIT_KEY,
        keySource: 'AUDIT_KEY_FILE',
      });
      fs.writeFileSync(file, 'nope\n');
      expect(() => loadConfig({ AUDIT_KEY_FILE: file })).toThrow(/^AUDIT_KEY_FILE must be 32 to 512 characters/);
      fs.rmSync(path.dirname(file), { recursive: true });
    });

    it('names its id, and the retired keys are id:key pairs', () => {
      const old = 'b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleQ==';
      const audit = loadConfig({ AUDIT_KEY, AUDIT_KEY_ID: '2027-a', AUDIT_KEYS_RETIRED: ` k1:${old} , k0:${AUDIT_KEY}` }).audit;
      expect(audit.keyId).toBe('2027-a');
      expect([...audit.retired]).toEqual([
        ['k1', old],
        ['k0', AUDIT_KEY],
      ]);
    });
  });
});
