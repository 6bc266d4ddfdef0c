/**
 * Shared by the benchmarks: a scratch database of the run's own, the hub as a child process (bench/processes.ts,
 * re-exported here), GraphQL over HTTP, a publishing unit with its keys, the generated TAX_ARREARS list, and the
 * printed tables.
 *
 * The PostgreSQL server is `BENCH_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/postgres); each run
 * creates a database `fyh_bench_<pid>_<random>` there and drops it at the end, also after a failure.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Client } from 'pg';
import { seededRandom } from '../src/demo/random';
import { USCC_CHARSET, usccCheckCharacter } from '../src/modules/enterprises/uscc';
import { startHubProcess, type HubProcess } from './processes';

export * from './processes';

export const SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ENTRY_COUNT = Number(process.env.BENCH_ENTRIES ?? 100_000);

// ---------------------------------------------------------------------------------------------------------
// Scratch database

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database of this run's own; `drop` removes exactly that one. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `fyh_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  await onServer((client) => client.query(`create database "${name}"`));
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await onServer((client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// GraphQL over HTTP

export interface GraphQLAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** One POST; throws on an HTTP error or a GraphQL error, so a benchmark never times a refusal. */
export async function gql<T = Record<string, unknown>>(url: string, key: string, query: string, variables?: unknown): Promise<T> {
  const body = JSON.stringify({ query, variables });
  return gqlRaw<T>(url, key, body);
}

/** The same with a body already serialised (to keep serialisation out of or in a timing on purpose). */
export async function gqlRaw<T = Record<string, unknown>>(url: string, key: string, body: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  let answer: GraphQLAnswer<T>;
  try {
    answer = JSON.parse(text) as GraphQLAnswer<T>;
  } catch {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  if (answer.errors?.length || !answer.data) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(answer.errors ?? answer).slice(0, 1000)}`);
  }
  return answer.data;
}

// ---------------------------------------------------------------------------------------------------------
// Units, keys and the list

export interface BenchUnits {
  /** YC-TAX's key with PUBLISH and READ. */
  publishKey: string;
  /** A key with READ only, of another unit (YC-COURT), so that the visibility rule applies to its reads. */
  readKey: string;
}

/** Creates the tax bureau (TAX) with a PUBLISH key and a court with a READ key, through GraphQL as the office. */
export async function createUnits(hub: HubProcess): Promise<BenchUnits> {
  const createUnit = `mutation($input: CreateUnitInput!) { createUnit(input: $input) { code } }`;
  const issue = `mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key } }`;
  await gql(hub.url, hub.adminKey, createUnit, { input: { code: 'YC-TAX', kind: 'TAX', name: '国家税务总局运城市税务局', regionCode: '140800' } });
  await gql(hub.url, hub.adminKey, createUnit, {
    input: { code: 'YC-COURT', kind: 'COURT', name: '运城市中级人民法院', regionCode: '140800', courtCode: '晋08' },
  });
  const publish = await gql<{ issueCredential: { key: string } }>(hub.url, hub.adminKey, issue, {
    input: { unit: 'YC-TAX', roles: ['PUBLISH', 'READ'], label: 'bench publisher' },
  });
  const read = await gql<{ issueCredential: { key: string } }>(hub.url, hub.adminKey, issue, {
    input: { unit: 'YC-COURT', roles: ['READ'], label: 'bench reader' },
  });
  return { publishKey: publish.issueCredential.key, readKey: read.issueCredential.key };
}

export interface BenchEntry {
  uscc: string;
  enterpriseName: string;
  riskLevel: 'RED' | 'ORANGE' | 'YELLOW' | 'BLUE';
  categories: string[];
  amount: string;
  effectiveDate: string;
  details: { taxTypes: string[] };
}

const LEVELS = ['RED', 'ORANGE', 'YELLOW', 'BLUE'] as const;
const COUNTIES = ['140802', '140821', '140822', '140823', '140824', '140825', '140826', '140827', '140828', '140829', '140830', '140881', '140882'];

/** A valid USCC of an enterprise registered in a county of 运城 (region 1408xx), unique per `n`. */
export function benchUscc(n: number): string {
  const county = COUNTIES[n % COUNTIES.length];
  // Positions 9–17: the organisation code part, here `n` in base 31 over the USCC charset, 9 characters.
  let body = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    body = USCC_CHARSET[rest % 31] + body;
    rest = Math.floor(rest / 31);
  }
  const first17 = `91${county}${body}`;
  return first17 + usccCheckCharacter(first17);
}

/** `count` valid TAX_ARREARS entries: levels mixed (about 10% RED, 25% ORANGE, 35% YELLOW, 30% BLUE). */
export function generateEntries(count: number, seed = 20261124): BenchEntry[] {
  const next = seededRandom(seed); // the same list on every run
  const entries: BenchEntry[] = [];
  for (let n = 0; n < count; n++) {
    const r = next();
    const level = r < 0.1 ? LEVELS[0] : r < 0.35 ? LEVELS[1] : r < 0.7 ? LEVELS[2] : LEVELS[3];
    const cents = Math.floor(next() * 5_000_000_000) + 100; // 1.00 to 50,000,000.00 yuan
    const month = 1 + Math.floor(next() * 9);
    const day = 1 + Math.floor(next() * 28);
    entries.push({
      uscc: benchUscc(n + 1),
      enterpriseName: `运城市第${n + 1}号示例商贸有限公司`,
      riskLevel: level,
      categories: next() < 0.5 ? ['FINANCIAL'] : ['FINANCIAL', 'LEGAL'],
      amount: centsToYuan(cents),
      effectiveDate: `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      details: { taxTypes: ['增值税'] },
    });
  }
  return entries;
}

export function centsToYuan(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** The same list with every `every`-th entry's amount raised by 1,000.00 yuan. */
export function withChangedAmounts(entries: BenchEntry[], every: number): { entries: BenchEntry[]; changed: number } {
  let changed = 0;
  const result = entries.map((entry, i) => {
    if (i % every !== 0) return entry;
    changed++;
    const [yuan, fen] = entry.amount.split('.');
    return { ...entry, amount: `${BigInt(yuan) + 1000n}.${fen}` };
  });
  return { entries: result, changed };
}

export const PUBLISH_MUTATION = `mutation($input: PublishRiskListInput!) {
  publishRiskList(input: $input) {
    committed replayed added updated withdrawn unchanged
    rejected { index uscc field message }
    publication { id }
  }
}`;

export interface PublishAnswer {
  committed: boolean;
  replayed: boolean;
  added: number;
  updated: number;
  withdrawn: number;
  unchanged: number;
  rejected: { index: number; uscc: string | null; field: string; message: string }[];
  publication: { id: string } | null;
}

/** The request body of one SNAPSHOT publication of `entries` (one POST, the list in `variables`), by default a TAX_ARREARS list. */
export function publishBody(entries: readonly object[], idempotencyKey: string, period: string, listType = 'TAX_ARREARS'): string {
  return JSON.stringify({
    query: PUBLISH_MUTATION,
    variables: { input: { listType, mode: 'SNAPSHOT', idempotencyKey, period, entries } },
  });
}

/** Publishes and checks the answer is a real commit of every row (never a replay, never a rejection). */
export async function publishSnapshot(hub: HubProcess, key: string, body: string): Promise<PublishAnswer> {
  const data = await gqlRaw<{ publishRiskList: PublishAnswer }>(hub.url, key, body);
  const answer = data.publishRiskList;
  if (!answer.committed || answer.replayed || answer.rejected.length) {
    throw new Error(`publication not committed as expected: ${JSON.stringify({ ...answer, rejected: answer.rejected.slice(0, 5) })}`);
  }
  return answer;
}

/** Starts a hub on a fresh database and publishes the generated list once (the state the read bench needs). */
export async function hubWithList(
  count = ENTRY_COUNT,
  env: Record<string, string> = {},
): Promise<{ db: ScratchDatabase; hub: HubProcess; units: BenchUnits; entries: BenchEntry[] }> {
  const db = await createScratchDatabase();
  let hub: HubProcess | undefined;
  try {
    hub = await startHubProcess(db.url, env);
    const units = await createUnits(hub);
    const entries = generateEntries(count);
    await publishSnapshot(hub, units.publishKey, publishBody(entries, `bench-${randomBytes(6).toString('hex')}`, '2026-Q3'));
    return { db, hub, units, entries };
  } catch (error) {
    await hub?.stop();
    await db.drop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Printing

/** The machine and its load, printed with every result (a benchmark on a busy machine says so). */
export function machineLine(): string {
  const load = os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, load average ${load}`;
}

export function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A plain text table with a header row; numbers right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const numeric = header.map((_, i) => rows.every((row) => typeof row[i] === 'number' || /^[\d.,×x%-]+$/.test(String(row[i]))));
  const line = (row: string[]) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function fixed(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
}

/** The `p`-th quantile (0..1) of `values`, nearest rank; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function passMiss(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

/** Runs `body`, then always `cleanup`; exits 0 on misses (they are printed), 1 only when the bench broke. */
export function runBench(name: string, body: (cleanup: (fn: () => Promise<void>) => void) => Promise<void>): void {
  const cleanups: (() => Promise<void>)[] = [];
  const cleanupAll = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((error: unknown) => console.error(`${name}: cleanup failed:`, error));
    cleanups.length = 0;
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`${name}: ${signal}, cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  body((fn) => cleanups.push(fn))
    .then(cleanupAll, async (error: unknown) => {
      console.error(`${name} failed:`, error instanceof Error ? error.message : error);
      await cleanupAll();
      process.exitCode = 1;
    })
    .finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
}
