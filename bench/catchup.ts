/**
 * `npm run bench:catchup`: a departmental system that was offline catches up 100,000 changes from a cursor.
 * The log holds a 100,000-entry publication (100,000 RISK_ENTRY changes); one consumer reads them all:
 * - by `subscription changes(after:)` over WebSocket (replay, then live), selecting cursor, topic, kind,
 *   entityId and the payload;
 * - by polling `query changes(after:, first: 500)` over HTTP, the same selection (BENCH_POLL_PAGE changes the page).
 * Baseline in the same run: the same rows read straight from PostgreSQL through `pg` with the hub's own keyset
 * statement, 1,000 at a time.
 *
 * Target (issue 5, "Speed"): at least 20,000 changes/s to one consumer. A miss is printed, never an exit code.
 * Environment: BENCH_DATABASE_URL, BENCH_ENTRIES (default 100000), BENCH_POOL_SIZE, BENCH_HUB_LOG_LEVEL.
 */
import 'reflect-metadata';
import { createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { CHANGES_AFTER_SQL, changesAfterParams } from '../src/change-log/change-reader';
import { numberedPlaceholders } from '../src/db/sql';
import { START } from '../src/change-log/cursor';
import { ENTRY_COUNT, fixed, gql, hubWithList, machineLine, passMiss, runBench, table } from './support';

const TARGET_RATE = 20_000;
/** Changes per page of the polling consumer (BENCH_POLL_PAGE; the hub's MAX_PAGE_SIZE is raised to it when larger). */
const POLL_PAGE = Number(process.env.BENCH_POLL_PAGE ?? 500);
const SELECTION = 'cursor topic kind entityId payload';

runBench('bench:catchup', async (cleanup) => {
  console.log(`bench:catchup — catching up ${ENTRY_COUNT.toLocaleString('en-US')} changes from a cursor`);
  console.log(`machine: ${machineLine()}`);
  const { db, hub } = await hubWithList(ENTRY_COUNT, { MAX_PAGE_SIZE: String(Math.max(500, POLL_PAGE)) });
  cleanup(() => db.drop());
  cleanup(() => hub.stop());
  const issued = await gql<{ issueCredential: { key: string } }>(
    hub.url,
    hub.adminKey,
    `mutation { issueCredential(input: { unit: "YC-COURT", roles: [READ, SUBSCRIBE], label: "bench consumer" }) { key } }`,
  );
  const key = issued.issueCredential.key;
  const total = await countChanges(db.url);
  console.log(`scratch database ${db.name}: ${total.toLocaleString('en-US')} changes in the log; hub pid ${hub.pid}`);
  // The start of the log in the clear cursor form of before sealing, which the hub still reads (position 0 is never
  // beyond the log's head at the upgrade).
  const start = Buffer.from('fyh1:0:0', 'utf8').toString('base64url');

  const rows: (string | number)[][] = [];
  const baseline = await baselineRead(db.url);
  rows.push(['baseline: the log through pg, 1,000 per statement', fixed(baseline.seconds, 2), fixed(baseline.count / baseline.seconds), '1.000']);

  hub.resetPeak();
  const subscription = await subscribeAll(hub.url, key, start, total);
  const subscriptionRate = subscription.count / subscription.seconds;
  rows.push([
    'subscription changes(after:) over WebSocket',
    fixed(subscription.seconds, 2),
    fixed(subscriptionRate),
    fixed(subscriptionRate / (baseline.count / baseline.seconds), 3),
  ]);
  const peakSubscription = hub.memory().peakMb;

  const polled = await pollAll(hub.url, key, start);
  const pollRate = polled.count / polled.seconds;
  rows.push([
    `query changes(after:, first: ${POLL_PAGE}) over HTTP`,
    fixed(polled.seconds, 2),
    fixed(pollRate),
    fixed(pollRate / (baseline.count / baseline.seconds), 3),
  ]);

  for (const [name, read] of [
    ['subscription', subscription],
    ['polling', polled],
  ] as const) {
    if (read.count !== total) throw new Error(`${name} read ${read.count} changes, the log holds ${total}`);
  }
  console.log();
  console.log(table(['how', 'seconds', 'changes/s', 'ratio to baseline'], rows));
  console.log();
  console.log(
    table(
      ['target (issue 5)', 'measured', 'result'],
      [
        [
          `catch-up by subscription >= ${TARGET_RATE.toLocaleString('en-US')} changes/s`,
          `${fixed(subscriptionRate)} changes/s`,
          passMiss(subscriptionRate >= TARGET_RATE),
        ],
        [
          `catch-up by polling >= ${TARGET_RATE.toLocaleString('en-US')} changes/s`,
          `${fixed(pollRate)} changes/s`,
          passMiss(pollRate >= TARGET_RATE),
        ],
      ],
    ),
  );
  console.log(`\nhub peak RSS during the subscription's catch-up ${fixed(peakSubscription)} MB`);
  console.log(`load average at the end: ${machineLine()}`);
});

async function countChanges(url: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from change_event e join change_commit c on c.tx_id = e.tx_id');
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}

/** The rows the hub reads, read by `pg` directly with the hub's own statement, 1,000 at a time. */
async function baselineRead(url: string): Promise<{ seconds: number; count: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const started = process.hrtime.bigint();
    const text = numberedPlaceholders(CHANGES_AFTER_SQL, changesAfterParams(START, 0).length);
    let position = START;
    let count = 0;
    for (;;) {
      const { rows } = await client.query(text, changesAfterParams(position, 1000));
      if (!rows.length) break;
      count += rows.length;
      position = { seq: Number(rows[rows.length - 1].seq), ordinal: rows[rows.length - 1].ordinal };
    }
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, count };
  } finally {
    await client.end();
  }
}

/** Subscribes after `after` and resolves once `expected` changes have arrived. */
async function subscribeAll(url: string, key: string, after: string, expected: number): Promise<{ seconds: number; count: number }> {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  try {
    const started = process.hrtime.bigint();
    let count = 0;
    await new Promise<void>((resolve, reject) => {
      const stop = client.subscribe(
        { query: `subscription($after: String) { changes(after: $after) { ${SELECTION} } }`, variables: { after } },
        {
          next: (result) => {
            if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
            if (++count === expected) {
              stop();
              resolve();
            }
          },
          error: (error) => reject(new Error(JSON.stringify(error))),
          complete: () => (count < expected ? reject(new Error(`completed after ${count} changes`)) : resolve()),
        },
      );
    });
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, count };
  } finally {
    await client.dispose();
  }
}

/** Polls page after page from `after` until the log is read. */
async function pollAll(url: string, key: string, after: string): Promise<{ seconds: number; count: number }> {
  const started = process.hrtime.bigint();
  let cursor = after;
  let count = 0;
  for (;;) {
    const page = await gql<{ changes: { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>(
      url,
      key,
      `query($after: String) { changes(after: $after, first: ${POLL_PAGE}) { edges { node { ${SELECTION} } } pageInfo { hasNextPage endCursor } } }`,
      { after: cursor },
    );
    count += page.changes.edges.length;
    cursor = page.changes.pageInfo.endCursor;
    if (!page.changes.pageInfo.hasNextPage) break;
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, count };
}
