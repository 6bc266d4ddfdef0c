/**
 * The read benchmark's baseline, a process of its own (bench/read.ts starts `node dist/bench/read-baseline.js`):
 * a plain Node `http` server that answers the requests of bench/read-queries.ts over the hub's own tables through
 * one `pg` Pool, with two prepared statements per request, as raw SQL does it:
 *
 * 1. the bearer key looked up as the hub does (src/access/authenticate.ts), on every request (the hub may reuse a
 *    row for CREDENTIAL_CACHE_MS): the SHA-256 of the key, the hub's statement `... from credential c join unit u
 *    on u.id = c.unit_id where c.key_hash = $1`, refused when the key is unknown, revoked or expired, its unit
 *    inactive, or it lacks READ;
 * 2. the page: the hub's visibility rule for the caller's unit (src/access/visibility.ts visibleSql), its filters,
 *    order and keyset cursor (src/modules/risk-lists/risk-entry.service.ts), the publisher's code and the
 *    enterprise joined in, `limit first + 1` for hasNextPage; the JSON written by hand in the selection's order.
 *
 * It parses no GraphQL: the body's operationName names the selection, its variables (or the operation's fixed
 * arguments) the arguments. Environment: BASELINE_DATABASE_URL, BASELINE_POOL_SIZE (default 10). It prints
 * `read-baseline: listening at <url>` when ready and ends on SIGTERM.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { CredentialStatus, credentialStatus } from '../src/access/credential-status';
import { bearerKey, hashKey } from '../src/access/keys';
import { isoTime } from '../src/db/sql';
import { OPERATIONS, type EntryField, type PageArguments } from './read-queries';

const LEVEL_NAMES = ['', 'RED', 'ORANGE', 'YELLOW', 'BLUE'];
const LEVEL_NUMBERS: Record<string, number> = { RED: 1, ORANGE: 2, YELLOW: 3, BLUE: 4 };
const MAX_BODY = 100_000;
const MAX_PAGE = 500;

/** The hub's credential statement (src/access/authenticate.ts CREDENTIAL_SQL). */
const CREDENTIAL_SQL = `select c.id, c.roles, ${isoTime('c.expires_at')} as "expiresAt", ${isoTime('c.revoked_at')} as "revokedAt",
    u.id as "unitId", u.code, u.name, u.kind, u.region_code as "regionCode", u.is_office as "isOffice", u.active
  from credential c join unit u on u.id = c.unit_id
  where c.key_hash = $1`;

interface Credential {
  roles: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  unitId: string;
  code: string;
  kind: string;
  isOffice: boolean;
  active: boolean;
}

interface EntryRow {
  id: string;
  uscc: string;
  enterprise_name: string;
  risk_level: number;
  list_type: string;
  amount: string | null;
  published_at: string;
  publisher_code: string;
  e_name: string;
  e_uscc: string;
  sort_key: string;
}

/** The hub's sort expressions and the types a cursor's value is cast back to (risk-entry.service.ts ORDER). */
const ORDER: Record<string, { expression: string; cast: string }> = {
  PUBLISHED_AT: { expression: 'r.published_at', cast: 'timestamptz' },
  SEVERITY: { expression: '(5 - r.risk_level)', cast: 'int' },
  AMOUNT: { expression: 'coalesce(r.amount, -1)', cast: 'numeric' },
};

const COLUMNS = `r.id, r.uscc, r.enterprise_name, r.risk_level, r.list_type, r.amount::text as amount,
  to_char(r.published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as published_at,
  u.code as publisher_code, e.name as e_name, e.uscc as e_uscc`;

/** The page statement for `args` as `unit` may see it; the page size is written into the text (a bound LIMIT re-plans). */
function pageStatement(args: PageArguments, unit: Credential): { text: string; values: unknown[]; first: number } {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where = [
    unit.isOffice
      ? 'true'
      : `(r.classification = 'SHARED' or r.publisher_unit_id = ${param(unit.unitId)} or ${param(unit.code)} = any(r.shared_unit_codes) or ${param(unit.kind)} = any(r.shared_kinds))`,
    `r.status = 'ACTIVE'`,
  ];
  const filter = args.filter ?? {};
  if (filter.listTypes?.length) where.push(`r.list_type = any(${param(filter.listTypes)}::text[])`);
  if (filter.minRiskLevel) where.push(`r.risk_level <= ${param(LEVEL_NUMBERS[filter.minRiskLevel])}`);
  if (filter.regionPrefix) where.push(`r.region_code like ${param(`${filter.regionPrefix}%`)}`);
  const { expression, cast } = ORDER[args.orderBy?.field ?? 'PUBLISHED_AT'];
  const descending = (args.orderBy?.direction ?? 'DESC') === 'DESC';
  if (args.after) {
    const [key, id] = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8')) as [string, string];
    where.push(`(${expression}, r.id) ${descending ? '<' : '>'} (${param(key)}::${cast}, ${param(id)}::uuid)`);
  }
  const first = Math.min(MAX_PAGE, Math.max(1, Math.trunc(Number(args.first ?? 50)) || 50));
  const direction = descending ? 'desc' : 'asc';
  const text = `select ${COLUMNS}, (${expression})::text as sort_key
  from risk_entry r join unit u on u.id = r.publisher_unit_id join enterprise e on e.uscc = r.uscc
  where ${where.join(' and ')}
  order by ${expression} ${direction}, r.id ${direction} limit ${first + 1}`;
  return { text, values, first };
}

const FIELD: Record<EntryField, (row: EntryRow) => unknown> = {
  id: (row) => row.id,
  uscc: (row) => row.uscc,
  enterpriseName: (row) => row.enterprise_name,
  riskLevel: (row) => LEVEL_NAMES[row.risk_level],
  listType: (row) => row.list_type,
  amount: (row) => row.amount,
  publishedAt: (row) => row.published_at,
  publisher: (row) => ({ code: row.publisher_code }),
  enterprise: (row) => ({ name: row.e_name, uscc: row.e_uscc }),
};

/** A name per distinct statement text, so that each is prepared once per connection. */
const names = new Map<string, string>();
const nameOf = (text: string) => names.get(text) ?? names.set(text, `read_baseline_${names.size + 1}`).get(text)!;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer(pool: Pool, authorization: string | undefined, body: string): Promise<string> {
  const request = JSON.parse(body) as { operationName?: string; variables?: PageArguments };
  const operation = OPERATIONS[request.operationName ?? ''];
  if (!operation) throw new Refusal(400, `unknown operation ${request.operationName}`);
  const key = bearerKey(authorization);
  if (!key) throw new Refusal(401, 'no credential');
  const [credential] = (await pool.query<Credential>({ name: 'read_baseline_credential', text: CREDENTIAL_SQL, values: [hashKey(key)] })).rows;
  if (!credential) throw new Refusal(401, 'the key is not known');
  const times = { revokedAt: date(credential.revokedAt), expiresAt: date(credential.expiresAt) };
  if (credentialStatus(times) !== CredentialStatus.ACTIVE || !credential.active) throw new Refusal(401, 'the key is not valid');
  if (!credential.roles.includes('READ')) throw new Refusal(403, 'the key lacks READ');
  const { text, values, first } = pageStatement(operation.fixed ?? request.variables ?? {}, credential);
  const { rows } = await pool.query<EntryRow>({ name: nameOf(text), text, values });
  const page = rows.slice(0, first);
  const last = page[page.length - 1];
  const edges = page.map((row) => ({ node: Object.fromEntries(operation.fields.map((field) => [field, FIELD[field](row)])) }));
  const endCursor = last ? Buffer.from(JSON.stringify([last.sort_key, last.id]), 'utf8').toString('base64url') : null;
  return JSON.stringify({ data: { entries: { edges, pageInfo: { hasNextPage: rows.length > first, endCursor } } } });
}

function date(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

function main(): void {
  const pool = new Pool({ connectionString: process.env.BASELINE_DATABASE_URL, max: Number(process.env.BASELINE_POOL_SIZE ?? 10) });
  pool.on('error', (error) => console.error(`read-baseline: pool: ${error.message}`));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      answer(pool, req.headers.authorization, Buffer.concat(chunks).toString('utf8')).then(
        (text) => send(200, text),
        (error: Error) => send(error instanceof Refusal ? error.status : 500, JSON.stringify({ errors: [{ message: error.message }] })),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`read-baseline: listening at http://127.0.0.1:${port}/graphql`);
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void pool.end().then(() => process.exit(0)));
  });
}

if (require.main === module) main();
