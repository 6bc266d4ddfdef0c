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

  it('MAX_NESTED_LIST (default 100, at most MAX_PAGE_SIZE) and MAX_RESOLVED_OBJECTS (default 200,000)', () => {
    expect(loadConfig({}).limits).toMatchObject({ maxNestedList: 100, maxResolvedObjects: 200_000, maxCost: 20_000 });
    expect(loadConfig({ MAX_NESTED_LIST: '250', MAX_RESOLVED_OBJECTS: '5000' }).limits).toMatchObject({ maxNestedList: 250, maxResolvedObjects: 5000 });
    // A page size below 100 lowers the default: a nested list is never longer than a page.
    expect(loadConfig({ MAX_PAGE_SIZE: '40' }).limits.maxNestedList).toBe(40);
    expect(loadConfig({ MAX_PAGE_SIZE: '40', MAX_NESTED_LIST: '40' }).limits.maxNestedList).toBe(40);
    expect(() => loadConfig({ MAX_PAGE_SIZE: '40', MAX_NESTED_LIST: '41' })).toThrow('MAX_NESTED_LIST (41) must not be larger than MAX_PAGE_SIZE (40)');
    expect(() => loadConfig({ MAX_NESTED_LIST: '501' })).toThrow(ConfigError);
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
    [{ MAX_NESTED_LIST: '0' }, 'MAX_NESTED_LIST'],
    [{ MAX_NESTED_LIST: 'ten' }, 'MAX_NESTED_LIST'],
    [{ MAX_RESOLVED_OBJECTS: '0' }, 'MAX_RESOLVED_OBJECTS'],
    [{ MAX_RESOLVED_OBJECTS: '-1' }, 'MAX_RESOLVED_OBJECTS'],
    [{ ANALYST_STATEMENT_TIMEOUT: '-5' }, 'ANALYST_STATEMENT_TIMEOUT'],
    [{ FEED_POLL_MS: '1' }, 'FEED_POLL_MS'],
    [{ FEED_LISTEN: 'sometimes' }, 'FEED_LISTEN'],
    [{ DEMO_ENTERPRISES: '5' }, 'DEMO_ENTERPRISES'],
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
