/**
 * Settings: the environment turned into typed, validated values. A bad setting stops start-up with one
 * line that says which variable to fix (a {@link ConfigError}); nothing else in the hub reads process.env.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadTrustedDocuments } from './graphql/trusted-documents';
import { DEFAULT_TIME_ZONE } from './calendar-date';
import bytes from 'bytes';
import { parseRegionCode } from './region';
import { parseUnitCode } from './unit-code';
import { parseUnitKind, type UnitKind } from './access/unit-kind';

export interface HubConfig {
  /** TCP port of GraphQL over HTTP and WebSocket (`PORT`, default 4000; 0 picks a free port). */
  port: number;
  /** Interface to listen on (`HOST`, default 0.0.0.0). */
  host: string;
  /** PostgreSQL server URL (`DATABASE_URL`); undefined runs the embedded PostgreSQL (PGlite). */
  databaseUrl?: string;
  /** The owner role's URL (`DATABASE_OWNER_URL`), on the server and database of `databaseUrl`: it alone migrates, and
   * `databaseUrl`'s role is then the runtime role, owning nothing. Undefined: `databaseUrl`'s role owns everything. */
  databaseOwnerUrl?: string;
  /** Folder of the embedded database (`DATA_DIR`, default ./data); unused with `DATABASE_URL`. */
  dataDir: string;
  /** Apply pending migrations at start (`MIGRATE_ON_START`, default true). */
  migrateOnStart: boolean;
  /** Key of the office's first credential (`HUB_ADMIN_KEY`); generated and printed once when unset. */
  adminKey?: string;
  /** The coordination office created at first start (`HUB_OFFICE_CODE`, `HUB_OFFICE_KIND`,
   * `HUB_OFFICE_NAME`, `HUB_OFFICE_REGION`); used only when the database has no office yet. */
  office: { code: string; kind: UnitKind; name: string; regionCode: string };
  /** Largest accepted request body in bytes (`BODY_LIMIT`, default 64mb: a whole list is published at once). */
  bodyLimit: number;
  /** Database connections per hub (`DB_POOL_SIZE`, default 10 on a server, 4 embedded). */
  poolSize: number;
  /** Largest `first` of a connection (`MAX_PAGE_SIZE`, default 500). */
  maxPageSize: number;
  /**
   * How long a looked-up credential may be used without looking it up again, in ms (`CREDENTIAL_CACHE_MS`,
   * default 1000; 0: every request looks its key up). Only while this instance hears every commit
   * (src/access/credential-cache.ts).
   */
  credentialCacheMs: number;
  /**
   * Whether reads the hub can compile to SQL are answered that way (`COMPILED_READS`, default true; false runs
   * every request through ordinary GraphQL execution: for tests and diagnosis, graphql/compiled-reads.ts).
   */
  compiledReads: boolean;
  /** Settings that are set but no longer read (the hub warns at start): `RESPONSE_CACHE_SIZE`. */
  retiredSettings: string[];
  /** The hub's time zone for months and day boundaries (`HUB_TIMEZONE`, default Asia/Shanghai). */
  timeZone: string;
  /** Longest an analyst's statement may run, in ms (`ANALYST_STATEMENT_TIMEOUT`, default 30000; 0: none). */
  analystStatementTimeoutMs: number;
  /** Enterprises of the demo locality (`DEMO_ENTERPRISES`, default 3000; `npm run demo` only). */
  demoEnterprises: number;
  /**
   * Limits of a query (`MAX_QUERY_DEPTH` 12, `MAX_ALIASES` 30, `MAX_ROOT_FIELDS` 10, `MAX_QUERY_COST` 20000), the
   * default and largest `first`/`last` of a nested list (`MAX_NESTED_LIST` 100, at most `MAX_PAGE_SIZE`) and the
   * objects and list items one operation may resolve (`MAX_RESOLVED_OBJECTS` 200000; a subscription: per delivery).
   */
  limits: { maxDepth: number; maxAliases: number; maxRootFields: number; maxCost: number; maxNestedList: number; maxResolvedObjects: number };
  /** Only these documents (canonical form) run, when `TRUSTED_DOCUMENTS` names a file of them; null: any. */
  trustedDocuments: ReadonlySet<string> | null;
  /** The change feed: safety poll of the log in ms (`FEED_POLL_MS`, default 2000). */
  feedPollMs: number;
  /** Whether to listen for other instances' NOTIFY (`FEED_LISTEN`, default true; the embedded database never does). */
  feedListen: boolean;
  /** Changes a live subscription holds for its consumer before it catches up from the log (`FEED_QUEUE_LIMIT`, default 1000). */
  feedQueueLimit: number;
  /** A consumer taking nothing this long (ms) while changes wait gets SUBSCRIBER_BEHIND (`FEED_STALL_MS`, default 10000). */
  feedStallMs: number;
  /** What a client may send before its key is known, and how (issue 10, item 2; README "What a client without a valid key may send"). */
  admission: {
    /** Largest body of a request without a valid key (`ANONYMOUS_BODY_LIMIT`, default 64kb); larger: 401, not read. */
    anonymousBodyLimit: number;
    /** Headers (of every request) and an anonymous body arrive within this (`ANONYMOUS_REQUEST_TIMEOUT_MS`, default 10000). */
    anonymousRequestTimeoutMs: number;
    /** A whole request with a valid key arrives within this (`HTTP_REQUEST_TIMEOUT_MS`, default 300000). */
    requestTimeoutMs: number;
    /** Open TCP connections, WebSocket included (`MAX_CONNECTIONS`, default 10000); more are closed at once. */
    maxConnections: number;
    /** A body over 4 MB waits this long for one of the two large-body slots, then 503 (`LARGE_BODY_WAIT_MS`, default 30000). */
    largeBodyWaitMs: number;
    /** Largest WebSocket message (`WS_MESSAGE_LIMIT`, default 1mb): ws's maxPayload, larger closes with 1009. */
    wsMessageLimit: number;
    /** Each second, a warning when the event loop was blocked longer than this (`EVENT_LOOP_WARN_MS`, default 0: off). */
    eventLoopWarnMs: number;
  };
  /** Per instance (issue 10, item 4): `MAX_OPERATIONS_PER_SOCKET` 100, `MAX_SOCKETS_PER_KEY` 200, `MAX_SUBSCRIPTIONS_PER_KEY` 1000. */
  caps: { operationsPerSocket: number; socketsPerKey: number; subscriptionsPerKey: number };
  /** pino level (`LOG_LEVEL`, default info; the command line's own commands default to warn). */
  logLevel: string;
  /** Whether `LOG_LEVEL` was set at all. */
  logLevelSet: boolean;
  /** The audit trail's key, kept outside the database (see {@link AuditKeySettings}). */
  audit: AuditKeySettings;
}

/**
 * The key of the audit trail's links (`AUDIT_KEY` or the file `AUDIT_KEY_FILE`; required with `DATABASE_URL`,
 * otherwise DATA_DIR/audit.key is used, made at first start), its id written on each record (`AUDIT_KEY_ID`,
 * default k1), and the keys of ids no longer written, for verifying (`AUDIT_KEYS_RETIRED`: `id:key,id:key`).
 */
export interface AuditKeySettings {
  key?: string;
  /** Which setting gave the key: named in the refusal when it does not match the records. */
  keySource?: 'AUDIT_KEY' | 'AUDIT_KEY_FILE';
  keyId: string;
  retired: ReadonlyMap<string, string>;
}

/** A setting that cannot be used; its message is the one line printed before the hub exits. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads and validates every setting; throws {@link ConfigError} naming the first bad variable. */
/** Settings earlier versions read: the response cache is gone (issue 11), every read is answered from the database. */
const RETIRED_SETTINGS = ['RESPONSE_CACHE_SIZE'];

export function loadConfig(env: Env = process.env): HubConfig {
  const databaseUrl = blankToUndefined(env.DATABASE_URL);
  if (databaseUrl !== undefined) checkDatabaseUrl(databaseUrl);
  const databaseOwnerUrl = ownerUrl(env, databaseUrl);

  const adminKey = blankToUndefined(env.HUB_ADMIN_KEY);
  if (adminKey !== undefined && !/^[\x21-\x7e]{24,200}$/.test(adminKey)) {
    throw new ConfigError('HUB_ADMIN_KEY must be 24 to 200 printable characters without spaces');
  }

  const officeCode = parseUnitCode(blankToUndefined(env.HUB_OFFICE_CODE) ?? 'OFFICE');
  if (!officeCode.ok) throw new ConfigError(`HUB_OFFICE_CODE: ${officeCode.message}`);
  const officeKind = parseUnitKind(blankToUndefined(env.HUB_OFFICE_KIND) ?? 'OTHER');
  if (!officeKind.ok) throw new ConfigError(`HUB_OFFICE_KIND: ${officeKind.message}`);
  const officeRegion = blankToUndefined(env.HUB_OFFICE_REGION) ?? '140800';
  const region = parseRegionCode(officeRegion);
  if (!region.ok) throw new ConfigError(`HUB_OFFICE_REGION: ${region.message}`);

  const logLevel = blankToUndefined(env.LOG_LEVEL) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const maxPageSize = integer(env, 'MAX_PAGE_SIZE', 500, 1, 100000);
  const maxNestedList = integer(env, 'MAX_NESTED_LIST', Math.min(100, maxPageSize), 1, 100000);
  if (maxNestedList > maxPageSize) throw new ConfigError(`MAX_NESTED_LIST (${maxNestedList}) must not be larger than MAX_PAGE_SIZE (${maxPageSize})`);

  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: blankToUndefined(env.HOST) ?? '0.0.0.0',
    databaseUrl,
    databaseOwnerUrl,
    dataDir: path.resolve(blankToUndefined(env.DATA_DIR) ?? 'data'),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    adminKey,
    office: {
      code: officeCode.value,
      kind: officeKind.value,
      name: blankToUndefined(env.HUB_OFFICE_NAME) ?? '府院联动机制办公室',
      regionCode: region.value,
    },
    bodyLimit: byteSize(env, 'BODY_LIMIT', '64mb'),
    poolSize: integer(env, 'DB_POOL_SIZE', databaseUrl ? 10 : 4, 1, 200),
    maxPageSize,
    credentialCacheMs: integer(env, 'CREDENTIAL_CACHE_MS', 1000, 0, 60_000),
    compiledReads: boolean(env, 'COMPILED_READS', true),
    retiredSettings: RETIRED_SETTINGS.filter((name) => blankToUndefined(env[name]) !== undefined),
    timeZone: timeZone(env),
    analystStatementTimeoutMs: integer(env, 'ANALYST_STATEMENT_TIMEOUT', 30_000, 0, 3_600_000),
    limits: {
      maxDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 2, 1000),
      maxAliases: integer(env, 'MAX_ALIASES', 30, 0, 100_000),
      maxRootFields: integer(env, 'MAX_ROOT_FIELDS', 10, 1, 1000),
      maxCost: integer(env, 'MAX_QUERY_COST', 20_000, 1, 100_000_000),
      maxNestedList,
      maxResolvedObjects: integer(env, 'MAX_RESOLVED_OBJECTS', 200_000, 1, 1_000_000_000),
    },
    trustedDocuments: trustedDocuments(env),
    demoEnterprises: integer(env, 'DEMO_ENTERPRISES', 3_000, 100, 100_000),
    feedPollMs: integer(env, 'FEED_POLL_MS', 2000, 10, 3_600_000),
    feedListen: boolean(env, 'FEED_LISTEN', true),
    feedQueueLimit: integer(env, 'FEED_QUEUE_LIMIT', 1000, 1, 1_000_000),
    feedStallMs: integer(env, 'FEED_STALL_MS', 10_000, 10, 3_600_000),
    admission: admission(env),
    caps: {
      operationsPerSocket: integer(env, 'MAX_OPERATIONS_PER_SOCKET', 100, 1, 100_000),
      socketsPerKey: integer(env, 'MAX_SOCKETS_PER_KEY', 200, 1, 1_000_000),
      subscriptionsPerKey: integer(env, 'MAX_SUBSCRIPTIONS_PER_KEY', 1000, 1, 10_000_000),
    },
    logLevel,
    logLevelSet: blankToUndefined(env.LOG_LEVEL) !== undefined,
    audit: auditKeySettings(env, databaseUrl !== undefined),
  };
}

/** An audit key: base64 or hex text of a random key, used as it is written (e.g. `openssl rand -base64 32`). */
export const AUDIT_KEY_TEXT = /^[A-Za-z0-9+/=_-]{32,512}$/;
const AUDIT_KEY_ID_TEXT = /^[A-Za-z0-9._-]{1,32}$/;
const AUDIT_KEY_RULE = 'must be 32 to 512 characters of base64 or hex (e.g. the output of openssl rand -base64 32)';

function auditKeySettings(env: Env, onServer: boolean): AuditKeySettings {
  const inline = blankToUndefined(env.AUDIT_KEY);
  const file = blankToUndefined(env.AUDIT_KEY_FILE);
  if (inline && file) throw new ConfigError('AUDIT_KEY and AUDIT_KEY_FILE are both set: set one of them');
  let key = inline;
  if (file) {
    try {
      key = fs.readFileSync(path.resolve(file), 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`AUDIT_KEY_FILE ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const keySource = inline ? 'AUDIT_KEY' : file ? 'AUDIT_KEY_FILE' : undefined;
  if (key !== undefined && !AUDIT_KEY_TEXT.test(key)) throw new ConfigError(`${keySource} ${AUDIT_KEY_RULE}`);
  if (key === undefined && onServer) {
    throw new ConfigError(
      "AUDIT_KEY (or AUDIT_KEY_FILE) is required with DATABASE_URL: the audit trail's key, the same on every instance, e.g. AUDIT_KEY=$(openssl rand -base64 32)",
    );
  }
  const keyId = blankToUndefined(env.AUDIT_KEY_ID) ?? 'k1';
  if (!AUDIT_KEY_ID_TEXT.test(keyId))
    throw new ConfigError(`AUDIT_KEY_ID must be 1 to 32 letters, digits, dots, hyphens or underscores, got "${keyId}"`);
  const retired = new Map<string, string>();
  for (const item of (blankToUndefined(env.AUDIT_KEYS_RETIRED) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [id, old, extra] = item.split(':');
    if (extra !== undefined || !id || !AUDIT_KEY_ID_TEXT.test(id) || !old || !AUDIT_KEY_TEXT.test(old)) {
      throw new ConfigError(`AUDIT_KEYS_RETIRED is a list id:key,id:key; each id as AUDIT_KEY_ID, each key ${AUDIT_KEY_RULE}`);
    }
    if (id === keyId) throw new ConfigError(`AUDIT_KEYS_RETIRED names ${id}, the AUDIT_KEY_ID in use: a key is either in use or retired`);
    if (retired.has(id)) throw new ConfigError(`AUDIT_KEYS_RETIRED names ${id} twice`);
    retired.set(id, old);
  }
  return { key, keySource, keyId, retired };
}

function admission(env: Env): HubConfig['admission'] {
  const anonymousRequestTimeoutMs = integer(env, 'ANONYMOUS_REQUEST_TIMEOUT_MS', 10_000, 100, 3_600_000);
  const requestTimeoutMs = integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 300_000, 100, 3_600_000);
  // Node's headersTimeout (ANONYMOUS_REQUEST_TIMEOUT_MS) may not exceed its requestTimeout.
  if (requestTimeoutMs < anonymousRequestTimeoutMs) {
    throw new ConfigError(
      `HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must be at least ANONYMOUS_REQUEST_TIMEOUT_MS (${anonymousRequestTimeoutMs})`,
    );
  }
  return {
    anonymousBodyLimit: byteSize(env, 'ANONYMOUS_BODY_LIMIT', '64kb'),
    anonymousRequestTimeoutMs,
    requestTimeoutMs,
    maxConnections: integer(env, 'MAX_CONNECTIONS', 10_000, 10, 1_000_000),
    largeBodyWaitMs: integer(env, 'LARGE_BODY_WAIT_MS', 30_000, 0, 3_600_000),
    wsMessageLimit: byteSize(env, 'WS_MESSAGE_LIMIT', '1mb'),
    eventLoopWarnMs: integer(env, 'EVENT_LOOP_WARN_MS', 0, 0, 3_600_000),
  };
}

function trustedDocuments(env: Env): Set<string> | null {
  const file = blankToUndefined(env.TRUSTED_DOCUMENTS);
  if (!file) return null;
  try {
    return loadTrustedDocuments(path.resolve(file));
  } catch (error) {
    throw new ConfigError(`TRUSTED_DOCUMENTS: ${(error as Error).message}`);
  }
}

function timeZone(env: Env): string {
  const zone = blankToUndefined(env.HUB_TIMEZONE) ?? DEFAULT_TIME_ZONE;
  // An IANA name (Area/Location, or UTC), never an abbreviation: "CST" is China's to some and Chicago's to others,
  // and PostgreSQL and Node would not agree on it.
  let known = false;
  try {
    known = Boolean(new Intl.DateTimeFormat('en', { timeZone: zone }));
  } catch {
    known = false;
  }
  if (!known || !/^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(zone)) {
    throw new ConfigError(`HUB_TIMEZONE must be an IANA time zone such as Asia/Shanghai (not an abbreviation), got "${zone}"`);
  }
  return zone;
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function checkDatabaseUrl(value: string, name = 'DATABASE_URL'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a URL: expected postgres://user@host:5432/database`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must start with postgres:// or postgresql://, got ${url.protocol}//`);
  }
  if (!url.hostname) throw new ConfigError(`${name} names no host: expected postgres://user@host:5432/database`);
  if (url.pathname.length <= 1) {
    throw new ConfigError(`${name} names no database: expected postgres://user@host:5432/database`);
  }
  return url;
}

/**
 * `DATABASE_OWNER_URL`: checked like DATABASE_URL, only beside it, and on the same host, port and database spelled
 * alike (the start-up lock and the grants are per database; a second server would be migrated in vain).
 */
function ownerUrl(env: Env, databaseUrl: string | undefined): string | undefined {
  const value = blankToUndefined(env.DATABASE_OWNER_URL);
  if (value === undefined) return undefined;
  const owner = checkDatabaseUrl(value, 'DATABASE_OWNER_URL');
  if (databaseUrl === undefined) {
    throw new ConfigError('DATABASE_OWNER_URL needs DATABASE_URL (the runtime role) beside it; the embedded database has one role');
  }
  const where = (url: URL) => {
    const socket = url.searchParams.get('host');
    return `${url.hostname.toLowerCase()}:${url.port || '5432'}${decodeURIComponent(url.pathname)}${socket ? `?host=${socket}` : ''}`;
  };
  const runtime = where(new URL(databaseUrl));
  if (where(owner) !== runtime) {
    throw new ConfigError(`DATABASE_OWNER_URL must name the server and database of DATABASE_URL (${runtime}), got ${where(owner)}`);
  }
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = blankToUndefined(env[name]);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = blankToUndefined(env[name])?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** A size such as 512kb or 64mb, at least 1kb. */
function byteSize(env: Env, name: string, fallback: string): number {
  const raw = blankToUndefined(env[name]) ?? fallback;
  const parsed = /^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i.test(raw) ? bytes.parse(raw) : null;
  if (parsed === null || !Number.isFinite(parsed) || parsed < 1024) {
    throw new ConfigError(`${name} must be a size such as 512kb or 64mb (at least 1kb), got "${raw}"`);
  }
  return parsed;
}
