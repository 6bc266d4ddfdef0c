/**
 * `npm run bench:read`: reads of list entries through the hub against raw SQL over the hub's own tables, in one run.
 *
 * Data: the generated TAX_ARREARS list of BENCH_ENTRIES entries (100,000), published again without every third entry
 * (a third withdrawn), and a MAJOR_TAX_VIOLATION list of every fourth enterprise (half with an amount), all SHARED by
 * the tax bureau; the reader is a court's READ key, so the visibility rule applies.
 *
 * Two kinds of request, each at 10 and at 50 connections (autocannon, in this process), after a warm-up:
 * - fixed: the 50 newest active entries of level ORANGE or higher with id, level, publisher { code }, list type,
 *   amount, time and enterprise { name uscc }, and pageInfo (as ../shared/peerbench/queries/hub.graphql);
 * - varied: BENCH_BODIES (60,000) distinct bodies made before timing (bench/read-bodies.ts: minimum levels, list
 *   types, region prefixes present in the data, orders, page sizes, cursor pages a few pages deep with the hub's
 *   own cursors, three selections), taken in turn by every connection and on from round to round, so that no body
 *   reaches the hub twice while the run sends it fewer than there are (the run prints how many it made and sent).
 * Targets, alternating per round (BENCH_ROUNDS, 3; the medians are reported): the hub with its defaults (a key's
 * row reused for CREDENTIAL_CACHE_MS) and RESPONSE_CACHE_SIZE=0, which today's hub no longer reads and an older one
 * took as "no response cache": every request reads its page from PostgreSQL; and the baseline, a process of its
 * own (bench/read-baseline.ts) that looks the key up on every request as the hub does and runs the page as one
 * prepared statement through a pg Pool of the hub's DB_POOL_SIZE. Before timing a sample of bodies is asked of both: the same rows in
 * the same order, or the bench stops.
 *
 * Per line: req/s, p50, p99, non-2xx/errors/timeouts, the server's peak RSS (VmHWM) and CPU, PostgreSQL's backends'
 * CPU (also per request: on a busy host steadier than req/s), the host's busy share (/proc/stat). The SQL statements per request are counted in a pass of their own,
 * through a proxy that reads the wire protocol (bench/pg-count.ts), for the hub and for the baseline. Bars (issue
 * 11): hub/baseline req/s at least 0.6 (fixed and varied), varied p99 at most 1.5x, hub RSS at most 200 MB, at most
 * 2 statements per request (the key's look-up or a cache hit, and the page) and at least 1 besides the key's. A
 * miss is printed, never turned into a failing exit code.
 *
 * Environment: as bench/publish.ts, plus BENCH_DURATION (seconds per measurement, 10), BENCH_WARMUP (seconds, 2),
 * BENCH_ROUNDS (3), BENCH_BODIES (60000), BENCH_VARIED_ORDERS (the varied requests' orders, `FIELD:DIRECTION,…`; by
 * default PUBLISHED_AT:DESC,PUBLISHED_AT:ASC,SEVERITY:DESC,AMOUNT:DESC).
 */
import 'reflect-metadata';
import path from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { startStatementProxy } from './pg-count';
import { checkSameAnswers, LIST_TYPES, ORDERS, variedBodies } from './read-bodies';
import { FIXED_OPERATION, requestBody } from './read-queries';
import {
  ENTRY_COUNT,
  fixed,
  gqlRaw,
  hostBusyPercent,
  hostCpu,
  hubWithList,
  machineLine,
  passMiss,
  percentile,
  POOL_SIZE,
  publishBody,
  publishSnapshot,
  runBench,
  sampleCpu,
  sleep,
  startHubProcess,
  startNodeProcess,
  table,
  type ChildProcessHandle,
} from './support';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BODIES = Number(process.env.BENCH_BODIES ?? 60_000);
const CONNECTIONS = [10, 50];
const KINDS = ['fixed', 'varied'] as const;
/** Issue 11: hub/baseline requests/s, varied p99, hub peak RSS. */
const BARS = { rate: 0.6, p99: 1.5, rssMb: 200, statements: 2 };
/** Bodies compared between hub and baseline before timing; requests per kind in the counting pass. */
const CHECKED = 300;
const COUNTED = 100;
/** No response cache, also on a hub that still has one. */
const HUB_ENV = { RESPONSE_CACHE_SIZE: '0' };

type Kind = (typeof KINDS)[number];
const TARGETS = ['hub', 'baseline'] as const;
type Target = (typeof TARGETS)[number];
type Server = { url: string } & ChildProcessHandle;

/** The columns of the medians' table: title, figure, decimals. */
const COLUMNS: [string, keyof Omit<Measurement, 'kind' | 'target' | 'connections'>, number][] = [
  ['req/s', 'requestsPerSecond', 0],
  ['p50 ms', 'p50', 1],
  ['p99 ms', 'p99', 1],
  ['non-2xx/errors', 'problems', 0],
  ['peak RSS MB', 'peakMb', 0],
  ['server CPU %', 'serverCpu', 0],
  ['PostgreSQL CPU %', 'postgresCpu', 0],
  ['server CPU ms/req', 'serverCpuMs', 2],
  ['PostgreSQL CPU ms/req', 'postgresCpuMs', 2],
  ['host busy %', 'hostBusy', 0],
];

interface Measurement {
  kind: Kind;
  target: Target;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  problems: number;
  peakMb: number;
  serverCpu: number;
  postgresCpu: number;
  /** CPU milliseconds per request, of the server and of PostgreSQL: less at the mercy of a busy host than req/s. */
  serverCpuMs: number;
  postgresCpuMs: number;
  hostBusy: number;
}

runBench('bench:read', async (cleanup) => {
  console.log(
    `bench:read — ${ENTRY_COUNT.toLocaleString('en-US')} TAX_ARREARS entries (a third withdrawn) + MAJOR_TAX_VIOLATION, ${WARMUP} s warm-up + ${DURATION} s per measurement, ${ROUNDS} rounds, hub DB_POOL_SIZE ${POOL_SIZE} and RESPONSE_CACHE_SIZE=0, baseline pg Pool ${POOL_SIZE} in its own process`,
  );
  console.log(`machine: ${machineLine()}`);
  const started = Date.now();
  const { db, hub, units, entries } = await hubWithList(ENTRY_COUNT, HUB_ENV);
  cleanup(() => db.drop());
  cleanup(() => hub.stop());
  // A third of the list withdrawn (the same list published again without them), and a second list type.
  await publishSnapshot(
    hub,
    units.publishKey,
    publishBody(
      entries.filter((_, i) => i % 3 !== 0),
      `bench-withdraw-${db.name}`,
      '2026-Q3',
    ),
  );
  const violations = entries
    .filter((_, i) => i % 4 === 1)
    .map(({ uscc, enterpriseName, riskLevel, amount, effectiveDate }, i) => ({
      ...{ uscc, enterpriseName, riskLevel, effectiveDate, categories: ['LEGAL'], details: { violationType: '虚开增值税专用发票' } },
      ...(i % 2 === 0 && { amount }),
    }));
  await publishSnapshot(hub, units.publishKey, publishBody(violations, `bench-violations-${db.name}`, '2026-Q3', LIST_TYPES[1]));

  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  cleanup(() => sql.end());
  await sql.query('vacuum analyze');
  const counts = await sql.query<{ status: string; list_type: string; n: number }>(
    `select status, list_type, count(*)::int as n from risk_entry group by 1, 2 order by 2, 1`,
  );
  const regions = (await sql.query<{ region_code: string }>(`select distinct region_code from risk_entry order by 1`)).rows.map(
    (row) => row.region_code,
  );
  const prefixes = [...new Set(regions.flatMap((code) => [code.slice(0, 2), code.slice(0, 4), code]))].sort();
  console.log(
    `scratch database ${db.name}; hub pid ${hub.pid} at ${hub.url}; data in ${fixed((Date.now() - started) / 1000, 1)} s (with start-up): ${counts.rows.map((row) => `${row.list_type} ${row.status} ${fixed(row.n)}`).join(', ')}`,
  );

  const baseline = await startBaseline(db.url);
  cleanup(() => baseline.stop());
  console.log(
    `baseline pid ${baseline.pid} at ${baseline.url}; RSS before the reads: hub ${fixed(hub.memory().rssMb)} MB (peak ${fixed(hub.memory().peakMb)} MB while publishing), baseline ${fixed(baseline.memory().rssMb)} MB`,
  );

  const madeAt = Date.now();
  const varied = await variedBodies(hub.url, units.readKey, prefixes, BODIES);
  console.log(
    `varied: ${fixed(varied.bodies.length)} distinct bodies made in ${fixed((Date.now() - madeAt) / 1000, 1)} s: ${fixed(varied.argumentSets)} argument sets (${fixed(varied.cursorPages)} of them cursor pages) × 3 selections, from ${fixed(varied.combinations)} of ${fixed(varied.allCombinations)} combinations of 5 levels, 4 list-type sets, ${prefixes.length + 1} region prefixes (${prefixes.join(' ')} or none), orders ${ORDERS.map((o) => `${o.field} ${o.direction}`).join(', ')}, 4 page sizes`,
  );
  const same = await checkSameAnswers(hub.url, baseline.url, units.readKey, varied.bodies, CHECKED);
  console.log(
    `hub and baseline answer the same: ${same.bodies} bodies (the fixed one and ${same.bodies - 1} varied), ${fixed(same.rows)} rows, ${same.emptyPages} empty pages`,
  );

  const statements = await countStatements(db.url, units.readKey, varied.bodies);

  const fixedBody = requestBody(FIXED_OPERATION);
  const backends = async () =>
    (await sql.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [db.name])).rows.map(
      (row) => row.pid,
    );
  const results: Measurement[] = [];
  // The hub's varied requests go on through the bodies from round to round; each baseline measurement starts where
  // the hub's of the same round does (it takes more, being faster).
  let offset = 0;
  const taken = { hub: 0, baseline: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const order: [Target, Server][] = [
      ['hub', hub],
      ['baseline', baseline],
    ];
    if (round % 2 === 0) order.reverse();
    for (const kind of KINDS) {
      for (const connections of CONNECTIONS) {
        const start = offset;
        for (const [target, server] of order) {
          const source = kind === 'fixed' ? fixedBody : cycle(varied.bodies, start);
          const m = await measure(server, units.readKey, source, connections, backends);
          const sent = typeof source === 'string' ? 0 : source.taken();
          taken[target] += sent;
          if (target === 'hub') offset += sent;
          results.push({ kind, target, connections, ...m });
          console.log(
            `round ${round} ${kind} ${target} @ ${connections}: ${fixed(m.requestsPerSecond)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${fixed(m.requests)} requests, ${m.problems} non-2xx/errors, peak RSS ${fixed(m.peakMb)} MB, CPU ${fixed(m.serverCpu)} % (PostgreSQL ${fixed(m.postgresCpu)} %), host busy ${fixed(m.hostBusy)} %`,
          );
        }
      }
    }
  }

  const median = (kind: Kind, target: Target, connections: number, field: keyof Omit<Measurement, 'kind' | 'target' | 'connections'>) =>
    percentile(
      results.filter((r) => r.kind === kind && r.target === target && r.connections === connections).map((r) => r[field]),
      0.5,
    );
  console.log(`\nmedians of ${ROUNDS} rounds:`);
  console.log(
    table(
      ['request', 'connections', 'target', ...COLUMNS.map(([title]) => title)],
      KINDS.flatMap((kind) =>
        CONNECTIONS.flatMap((c) => TARGETS.map((t) => [kind, c, t, ...COLUMNS.map(([, field, digits]) => fixed(median(kind, t, c, field), digits))])),
      ),
    ),
  );
  console.log(
    `\nvaried bodies: ${fixed(varied.bodies.length)} made; sent to the hub over the run (warm-ups included) ${fixed(taken.hub)}, ${taken.hub <= varied.bodies.length ? 'so none twice' : 'so some of them again'}; to the baseline ${fixed(taken.baseline)}`,
  );
  console.log('\nhub / baseline (issue 11 bars; medians):');
  const rows: (string | number)[][] = [];
  for (const kind of KINDS) {
    for (const c of CONNECTIONS) {
      const rate = median(kind, 'hub', c, 'requestsPerSecond') / median(kind, 'baseline', c, 'requestsPerSecond');
      const p99 = median(kind, 'hub', c, 'p99') / median(kind, 'baseline', c, 'p99');
      const rss = median(kind, 'hub', c, 'peakMb');
      rows.push([`${kind} @ ${c}: req/s >= ${BARS.rate}x`, `${fixed(rate, 3)}x`, passMiss(rate >= BARS.rate)]);
      rows.push([`${kind} @ ${c}: p99 <= ${BARS.p99}x`, `${fixed(p99, 3)}x`, kind === 'varied' ? passMiss(p99 <= BARS.p99) : '(no bar)']);
      if (kind === 'varied') rows.push([`${kind} @ ${c}: hub peak RSS <= ${BARS.rssMb} MB`, `${fixed(rss)} MB`, passMiss(rss <= BARS.rssMb)]);
    }
  }
  for (const { kind, perRequest, keyLookups } of statements.filter((s) => s.target === 'hub')) {
    // The budget: the key's look-up (or a hit of the credential cache) and the page. No shortcut: every request
    // reads its page from PostgreSQL, so at least one statement besides the key's.
    rows.push([`${kind}: hub statements/request <= ${BARS.statements}`, fixed(perRequest, 2), passMiss(perRequest <= BARS.statements + 0.005)]);
    rows.push([`${kind}: hub statements/request besides the key's >= 1`, fixed(perRequest - keyLookups, 2), passMiss(perRequest - keyLookups >= 1)]);
  }
  console.log(table(['bar', 'hub / baseline', 'result'], rows));
  console.log(`\nload average at the end: ${machineLine()}`);
});

/** The baseline's server as a process of its own, on the hub's database with a pool of the hub's size. */
async function startBaseline(databaseUrl: string): Promise<Server> {
  const { handle, url } = await startNodeProcess('baseline', [path.join(__dirname, 'read-baseline.js')], /read-baseline: listening at (\S+)/, {
    BASELINE_DATABASE_URL: databaseUrl,
    BASELINE_POOL_SIZE: String(POOL_SIZE),
  });
  return { ...handle, url };
}

/** Every connection's next request takes the next of `bodies`, from `start` on (wrapping around). */
function cycle(bodies: string[], start: number): { setupRequest(request: autocannon.Request): autocannon.Request; taken(): number } {
  let taken = 0;
  return {
    setupRequest: (request) => ({ ...request, body: bodies[(start + taken++) % bodies.length] }),
    taken: () => taken,
  };
}

async function cannon(url: string, key: string, source: string | ReturnType<typeof cycle>, connections: number, duration: number) {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(typeof source === 'string' ? { body: source } : { requests: [{ method: 'POST', setupRequest: source.setupRequest }] }),
    connections,
    duration,
  });
}

/** A warm-up, then one measurement of `server`, with its memory and CPU, PostgreSQL's and the host's over it. */
async function measure(
  server: Server,
  key: string,
  source: string | ReturnType<typeof cycle>,
  connections: number,
  backends: () => Promise<number[]>,
): Promise<Omit<Measurement, 'kind' | 'target' | 'connections'>> {
  server.resetPeak();
  if (WARMUP > 0) await cannon(server.url, key, source, connections, WARMUP);
  const postgres = sampleCpu(backends);
  const before = { host: hostCpu(), server: server.cpuSeconds(), at: process.hrtime.bigint() };
  const result = await cannon(server.url, key, source, connections, DURATION);
  const elapsed = Number(process.hrtime.bigint() - before.at) / 1e9;
  const after = { host: hostCpu(), server: server.cpuSeconds(), postgres: await postgres.stop(), peakMb: server.memory().peakMb };
  await settle(server);
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    problems: result.errors + result.timeouts + result.non2xx,
    peakMb: after.peakMb,
    serverCpu: (100 * (after.server - before.server)) / elapsed,
    postgresCpu: (100 * after.postgres) / elapsed,
    serverCpuMs: (1000 * (after.server - before.server)) / result.requests.total,
    postgresCpuMs: (1000 * after.postgres) / result.requests.total,
    hostBusy: hostBusyPercent(before.host, after.host),
  };
}

/**
 * Waits (at most 10 s) until `server` is idle: the requests it received before autocannon stopped are answered, so
 * that they neither run into the next measurement nor meet the hub's shutdown.
 */
async function settle(server: Server): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const before = server.cpuSeconds();
    await sleep(100);
    // At most one clock tick (10 ms) in 100 ms.
    if (server.cpuSeconds() - before <= 0.011) return;
  }
}

/**
 * The SQL statements per request of the hub and of the baseline, each started afresh on the database through the
 * counting proxy (the hub as measured, but without the feed's safety poll, FEED_POLL_MS=3600000, so that
 * only requests are counted): a warm-up, then COUNTED requests one after another of each kind; printed with the
 * statements' texts.
 */
interface Counted {
  kind: Kind;
  target: Target;
  perRequest: number;
  /** Of them, the key's look-ups (fewer than one a request where the hub reuses a looked-up key). */
  keyLookups: number;
}

/** The credential statement of the hub and the baseline. */
const KEY_LOOKUP = /\bfrom credential c join unit u on u\.id = c\.unit_id where c\.key_hash = /;

async function countStatements(databaseUrl: string, key: string, bodies: string[]): Promise<Counted[]> {
  const proxy = await startStatementProxy(databaseUrl);
  const counted: Counted[] = [];
  const starts: [Target, () => Promise<Server>][] = [
    ['hub', () => startHubProcess(proxy.url, { ...HUB_ENV, FEED_POLL_MS: '3600000' })],
    ['baseline', () => startBaseline(proxy.url)],
  ];
  try {
    for (const [target, start] of starts) {
      const server = await start();
      try {
        for (const kind of KINDS) {
          const sample = kind === 'fixed' ? Array<string>(COUNTED).fill(requestBody(FIXED_OPERATION)) : bodies.slice(-COUNTED);
          for (const body of sample.slice(0, 10)) await gqlRaw(server.url, key, body);
          proxy.reset();
          for (const body of sample) await gqlRaw(server.url, key, body);
          const perRequest = proxy.count() / sample.length;
          const keyLookups = proxy.texts().reduce((sum, [text, n]) => sum + (KEY_LOOKUP.test(text) ? n : 0), 0) / sample.length;
          counted.push({ kind, target, perRequest, keyLookups });
          console.log(
            `statements per request, ${target}, ${kind} (${sample.length} requests in turn): ${fixed(perRequest, 2)}, of them key look-ups ${fixed(keyLookups, 2)}`,
          );
          for (const [text, n] of statementGroups(proxy.texts())) console.log(`  ${fixed(n / sample.length, 2)} × ${text}`);
        }
      } finally {
        await server.stop();
      }
    }
    if (proxy.unreadable()) console.log(`(${proxy.unreadable()} connections asked for TLS and were not counted)`);
  } finally {
    await proxy.stop();
  }
  return counted;
}

/** Statement texts grouped by their first 110 characters (a page's filters and orders differ further on). */
function statementGroups(texts: [string, number][]): [string, number][] {
  const groups = new Map<string, number>();
  for (const [text, n] of texts) {
    const head = text.length > 110 ? `${text.slice(0, 110)}…` : text;
    groups.set(head, (groups.get(head) ?? 0) + n);
  }
  return [...groups].sort((a, b) => b[1] - a[1]);
}
