/**
 * `npm run bench:read`: on a hub holding the 100,000 published entries, autocannon asks "the 50 newest active
 * entries of level ORANGE or higher with enterprise name and USCC" with a READ key (of another unit than the
 * publisher, so the visibility rule applies) at 10 and at 50 connections, after a warm-up. Baseline in the same
 * run: a plain Node HTTP server in this process (bench/read-baseline.ts, in a worker thread by default) running
 * the equivalent SQL through a `pg` Pool of the hub's DB_POOL_SIZE. Target (issue 3): hub requests/s at least
 * half the baseline's. A miss is printed, never turned into a failing exit code.
 *
 * The hub answers a repeated question from its response cache (src/graphql/response-cache.ts) while nothing is
 * committed, as it does in service. A second hub on the same database with RESPONSE_CACHE_SIZE=0 is measured too,
 * for information: its figure is what every request costs when the data has just changed (a cache miss).
 *
 * Environment: as bench/publish.ts, plus BENCH_DURATION (seconds per measurement, default 10), BENCH_WARMUP
 * (seconds, default 2), BENCH_BASELINE_THREAD (`worker`, the default, or `main`).
 */
import 'reflect-metadata';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { Client } from 'pg';
import { startBaseline, type BaselineOptions } from './read-baseline';
import { ENTRY_COUNT, POOL_SIZE, fixed, gqlRaw, hubWithList, machineLine, passMiss, runBench, startHubProcess, table } from './support';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const BASELINE_THREAD = process.env.BENCH_BASELINE_THREAD === 'main' ? 'main' : 'worker';
const CONNECTIONS = [10, 50];
const TARGET_RATIO = 0.5;

/** The hub as configured by default; the same hub with its response cache off (for information); the baseline. */
type Target = 'hub' | 'hub, no response cache' | 'baseline';

const QUERY = `{ riskEntries(filter: { minRiskLevel: ORANGE }, first: 50) { edges { node { uscc enterpriseName riskLevel publishedAt enterprise { name uscc } } } } }`;

interface Measurement {
  target: Target;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  bytesPerResponse: number;
  problems: number;
}

type Answer = {
  riskEntries: { edges: { node: { uscc: string; enterpriseName: string; riskLevel: string; enterprise: { name: string; uscc: string } } }[] };
};

runBench('bench:read', async (cleanup) => {
  console.log(
    `bench:read — ${ENTRY_COUNT.toLocaleString('en-US')} entries, ${WARMUP} s warm-up + ${DURATION} s per measurement, hub DB_POOL_SIZE ${POOL_SIZE}, baseline pg Pool ${POOL_SIZE} (${BASELINE_THREAD} thread)`,
  );
  console.log(`machine: ${machineLine()}`);
  const started = Date.now();
  const { db, hub, units } = await hubWithList();
  cleanup(() => db.drop());
  cleanup(() => hub.stop());
  console.log(
    `scratch database ${db.name}; hub pid ${hub.pid} at ${hub.url}; list published in ${fixed((Date.now() - started) / 1000, 1)} s (with start-up)`,
  );

  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  const [unit] = (await sql.query<{ id: string; code: string; kind: string }>(`select id, code, kind from unit where code = 'YC-COURT'`)).rows;
  await sql.query('analyze');
  await sql.end();

  const baseline = await startBaselineThread({ databaseUrl: db.url, poolSize: POOL_SIZE, unit });
  cleanup(() => baseline.stop());
  // A second hub on the same database, answering every request by executing it: what a cache miss costs.
  const uncached = await startHubProcess(db.url, { RESPONSE_CACHE_SIZE: '0' });
  cleanup(() => uncached.stop());

  // Both answer the same 50 entries, or the comparison means nothing.
  const body = JSON.stringify({ query: QUERY });
  const fromHub = await gqlRaw<Answer>(hub.url, units.readKey, body);
  const fromBaseline = await gqlRaw<Answer>(baseline.url, units.readKey, body);
  const usccs = (answer: Answer) =>
    answer.riskEntries.edges.map((edge) => `${edge.node.uscc}/${edge.node.riskLevel}/${edge.node.enterprise.uscc}`).join(',');
  if (fromHub.riskEntries.edges.length !== 50) throw new Error(`the hub answered ${fromHub.riskEntries.edges.length} entries, expected 50`);
  const fromUncached = await gqlRaw<Answer>(uncached.url, units.readKey, body);
  if (usccs(fromHub) !== usccs(fromBaseline) || usccs(fromUncached) !== usccs(fromBaseline)) {
    throw new Error('the hubs and the baseline answer different entries');
  }
  console.log(`both answer the same 50 entries (${fromHub.riskEntries.edges.filter((e) => e.node.riskLevel === 'RED').length} RED, the rest ORANGE)`);

  hub.resetPeak();
  const results: Measurement[] = [];
  for (const connections of CONNECTIONS) {
    const targets: [Target, string][] = [
      ['hub', hub.url],
      ['hub, no response cache', uncached.url],
      ['baseline', baseline.url],
    ];
    for (const [target, url] of targets) {
      await cannon(url, units.readKey, body, connections, WARMUP);
      const m = await cannon(url, units.readKey, body, connections, DURATION);
      const result = { target, connections, ...m };
      results.push(result);
      console.log(
        `${target} @ ${connections}: ${fixed(m.requestsPerSecond)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${fixed(m.requests)} requests, ${fixed(m.bytesPerResponse)} bytes/response${m.problems ? `, ${m.problems} errors/non-2xx/timeouts` : ''}`,
      );
    }
  }
  const memory = hub.memory();

  console.log('');
  console.log(
    table(
      ['connections', 'target', 'requests/s', 'p50 ms', 'p99 ms', 'requests', 'errors'],
      results.map((r) => [r.connections, r.target, fixed(r.requestsPerSecond), fixed(r.p50, 1), fixed(r.p99, 1), fixed(r.requests), r.problems]),
    ),
  );
  console.log('');
  console.log(
    table(
      ['target (issue 3)', 'hub/baseline requests/s', 'result'],
      CONNECTIONS.map((connections) => {
        const hubRate = results.find((r) => r.connections === connections && r.target === 'hub')!.requestsPerSecond;
        const baseRate = results.find((r) => r.connections === connections && r.target === 'baseline')!.requestsPerSecond;
        const ratio = hubRate / baseRate;
        return [`${connections} connections: hub >= ${TARGET_RATIO} x baseline`, fixed(ratio, 3), passMiss(ratio >= TARGET_RATIO)];
      }),
    ),
  );
  console.log(`\nhub peak RSS during the reads ${fixed(memory.peakMb)} MB`);
  console.log(`load average at the end: ${machineLine()}`);
});

async function cannon(
  url: string,
  key: string,
  body: string,
  connections: number,
  duration: number,
): Promise<Omit<Measurement, 'target' | 'connections'>> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
    connections,
    duration,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    bytesPerResponse: result.requests.total ? result.throughput.total / result.requests.total : 0,
    problems: result.errors + result.timeouts + result.non2xx,
  };
}

/** The baseline server in a worker thread (its own event loop) or on this thread. */
async function startBaselineThread(options: BaselineOptions): Promise<{ url: string; stop(): Promise<void> }> {
  if (BASELINE_THREAD === 'main') return startBaseline(options);
  const worker = new Worker(path.join(__dirname, 'read-baseline.js'), { workerData: { baseline: options } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { url?: string; error?: string }) => (message.url ? resolve(message.url) : reject(new Error(message.error))));
  });
  return {
    url,
    async stop() {
      const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
      worker.postMessage('stop');
      await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5000))]);
      await worker.terminate();
    },
  };
}
