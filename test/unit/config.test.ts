import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

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
    expect(config.responseCacheSize).toBe(64 * 1024 * 1024);
  });

  it('RESPONSE_CACHE_SIZE takes a size, or 0 (in any unit) to turn the cache off', () => {
    expect(loadConfig({ RESPONSE_CACHE_SIZE: '16mb' }).responseCacheSize).toBe(16 * 1024 * 1024);
    expect(loadConfig({ RESPONSE_CACHE_SIZE: '0' }).responseCacheSize).toBe(0);
    expect(loadConfig({ RESPONSE_CACHE_SIZE: '0kb' }).responseCacheSize).toBe(0);
    expect(() => loadConfig({ RESPONSE_CACHE_SIZE: '512' })).toThrow('RESPONSE_CACHE_SIZE must be a size such as 512kb or 64mb (at least 1kb, or 0 to turn it off)');
    expect(() => loadConfig({ BODY_LIMIT: '0' })).toThrow('BODY_LIMIT must be a size such as 512kb or 64mb (at least 1kb)');
  });

  it('what a client may send, and the caps per socket and per key: defaults, settings, and the timeouts in order', () => {
    expect(loadConfig({})).toMatchObject({
      admission: { anonymousBodyLimit: 64 * 1024, anonymousRequestTimeoutMs: 10_000, requestTimeoutMs: 300_000, maxConnections: 10_000, largeBodyWaitMs: 30_000, wsMessageLimit: 1024 * 1024, eventLoopWarnMs: 0 },
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
    expect(config.admission).toEqual({ anonymousBodyLimit: 16 * 1024, anonymousRequestTimeoutMs: 5000, requestTimeoutMs: 60_000, maxConnections: 2000, largeBodyWaitMs: 0, wsMessageLimit: 4 * 1024 * 1024, eventLoopWarnMs: 100 });
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
    [{ RESPONSE_CACHE_SIZE: 'big' }, 'RESPONSE_CACHE_SIZE'],
    [{ HUB_TIMEZONE: 'Mars/Olympus' }, 'HUB_TIMEZONE'],
    // An abbreviation: China's to some, Chicago's to others.
    [{ HUB_TIMEZONE: 'CST' }, 'HUB_TIMEZONE'],
    [{ MAX_QUERY_DEPTH: '1' }, 'MAX_QUERY_DEPTH'],
    [{ MAX_QUERY_COST: 'much' }, 'MAX_QUERY_COST'],
    [{ ANALYST_STATEMENT_TIMEOUT: '-5' }, 'ANALYST_STATEMENT_TIMEOUT'],
    [{ FEED_POLL_MS: '1' }, 'FEED_POLL_MS'],
    [{ FEED_LISTEN: 'sometimes' }, 'FEED_LISTEN'],
    [{ DEMO_ENTERPRISES: '5' }, 'DEMO_ENTERPRISES'],
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
});
