/**
 * `npm run bench:publish`: publishing a 100,000-entry TAX_ARREARS SNAPSHOT through GraphQL over HTTP (one POST,
 * the list in `variables`), then the identical list again under a new idempotency key (all unchanged), then the
 * list with 10% of the amounts changed; each timed, with the hub's peak RSS (VmHWM of the hub process) per phase.
 * Baseline in the same run: PostgreSQL COPY of the same rows (the columns of `risk_entry`) into a scratch table
 * through `pg` and `pg-copy-streams`.
 *
 * Targets (issue 3, "Speed"): at least 10,000 entries/s, peak RSS under 500 MB, the unchanged republication at
 * least twice as fast as the first. A miss is printed, never turned into a failing exit code.
 *
 * Environment: BENCH_DATABASE_URL (server, default postgres://postgres@127.0.0.1:5432/postgres), BENCH_ENTRIES
 * (default 100000), BENCH_POOL_SIZE (the hub's DB_POOL_SIZE, default 10), BENCH_HUB_LOG_LEVEL (default warn).
 */
import 'reflect-metadata';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import {
  ENTRY_COUNT,
  POOL_SIZE,
  createScratchDatabase,
  createUnits,
  fixed,
  generateEntries,
  machineLine,
  passMiss,
  publishBody,
  publishSnapshot,
  runBench,
  seconds,
  startHubProcess,
  table,
  withChangedAmounts,
  type BenchEntry,
  type PublishAnswer,
} from './support';

const TARGET_RATE = 10_000;
const TARGET_RSS_MB = 500;
const TARGET_SPEEDUP = 2;
const LEVEL_NUMBER = { RED: 1, ORANGE: 2, YELLOW: 3, BLUE: 4 } as const;

interface PhaseResult {
  phase: string;
  seconds: number;
  rows: number;
  peakMb: number | null;
  answer?: PublishAnswer;
}

runBench('bench:publish', async (cleanup) => {
  console.log(`bench:publish — ${ENTRY_COUNT.toLocaleString('en-US')} TAX_ARREARS entries, hub DB_POOL_SIZE ${POOL_SIZE}`);
  console.log(`machine: ${machineLine()}`);

  const db = await createScratchDatabase();
  cleanup(() => db.drop());
  console.log(`scratch database: ${db.name}`);

  const hub = await startHubProcess(db.url);
  cleanup(() => hub.stop());
  const units = await createUnits(hub);
  const idle = hub.memory();
  console.log(`hub pid ${hub.pid} ready at ${hub.url}; RSS after start-up ${fixed(idle.rssMb)} MB`);

  const entries = generateEntries(ENTRY_COUNT);
  const changedList = withChangedAmounts(entries, 10);

  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  cleanup(() => sql.end());

  const results: PhaseResult[] = [];

  // Baseline: COPY of the same rows, the columns of risk_entry, into a scratch table without indexes.
  results.push(await copyBaseline(sql, entries));

  const phase = async (name: string, list: BenchEntry[]): Promise<PhaseResult> => {
    const body = publishBody(list, `bench-${randomBytes(8).toString('hex')}`, '2026-Q3');
    const eventsBefore = await changeEvents(sql);
    const peakReset = hub.resetPeak();
    const start = process.hrtime.bigint();
    const answer = await publishSnapshot(hub, units.publishKey, body);
    const elapsed = seconds(start);
    const memory = hub.memory();
    const events = (await changeEvents(sql)) - eventsBefore;
    console.log(
      `${name}: ${fixed(elapsed, 2)} s, request body ${fixed(body.length / 1024 / 1024, 1)} MB, answer ${JSON.stringify({
        added: answer.added,
        updated: answer.updated,
        withdrawn: answer.withdrawn,
        unchanged: answer.unchanged,
      })}, change events ${events}, peak RSS ${fixed(memory.peakMb)} MB${peakReset ? '' : ' (since start: VmHWM could not be reset)'}, RSS now ${fixed(memory.rssMb)} MB`,
    );
    return { phase: name, seconds: elapsed, rows: list.length, peakMb: memory.peakMb, answer };
  };

  const first = await phase('publish (all new)', entries);
  expectCounts(first.answer!, { added: ENTRY_COUNT, updated: 0, withdrawn: 0, unchanged: 0 });
  results.push(first);
  const same = await phase('republish, unchanged', entries);
  expectCounts(same.answer!, { added: 0, updated: 0, withdrawn: 0, unchanged: ENTRY_COUNT });
  results.push(same);
  const changed = await phase(`republish, ${changedList.changed.toLocaleString('en-US')} amounts changed`, changedList.entries);
  expectCounts(changed.answer!, { added: 0, updated: changedList.changed, withdrawn: 0, unchanged: ENTRY_COUNT - changedList.changed });
  results.push(changed);

  const copyRate = results[0].rows / results[0].seconds;
  console.log('');
  console.log(
    table(
      ['phase', 'seconds', 'entries/s', 'ratio to COPY', 'peak RSS MB'],
      results.map((r) => [
        r.phase,
        fixed(r.seconds, 2),
        fixed(r.rows / r.seconds),
        r === results[0] ? '1.000' : fixed(r.rows / r.seconds / copyRate, 3),
        r.peakMb === null ? '-' : fixed(r.peakMb),
      ]),
    ),
  );

  const rate = first.rows / first.seconds;
  const peak = Math.max(first.peakMb!, same.peakMb!, changed.peakMb!);
  const speedup = first.seconds / same.seconds;
  console.log('');
  console.log(
    table(
      ['target (issue 3)', 'measured', 'result'],
      [
        [`first publication >= ${fixed(TARGET_RATE)} entries/s`, `${fixed(rate)} entries/s`, passMiss(rate >= TARGET_RATE)],
        [`hub peak RSS < ${TARGET_RSS_MB} MB (all phases)`, `${fixed(peak)} MB`, passMiss(peak < TARGET_RSS_MB)],
        [`unchanged republication >= ${TARGET_SPEEDUP}x faster`, `${fixed(speedup, 2)}x`, passMiss(speedup >= TARGET_SPEEDUP)],
      ],
    ),
  );
  console.log(`\nload average at the end: ${machineLine()}`);
});

/** COPY of the rows the first publication stores, as `risk_entry` stores them, into a scratch table. */
async function copyBaseline(sql: Client, entries: BenchEntry[]): Promise<PhaseResult> {
  await sql.query(`create table bench_copy_baseline (like risk_entry including defaults)`);
  const publisherId = randomUUID();
  const publicationId = randomUUID();
  const now = new Date().toISOString();
  // Row values are prepared beforehand like the hub's (ids, content hash); the timing covers the COPY text,
  // the stream and the commit.
  const rows = entries.map((entry) => {
    const content = {
      riskLevel: LEVEL_NUMBER[entry.riskLevel],
      categories: [...entry.categories].sort(),
      amount: entry.amount,
      effectiveDate: entry.effectiveDate,
      remarks: null,
      details: entry.details,
      classification: 'SHARED',
      sharedUnitCodes: [],
      sharedKinds: [],
    };
    // A content hash of the same length as the hub's (the hub computes it in SQL while staging).
    return {
      id: randomUUID(),
      entry,
      level: content.riskLevel,
      categories: content.categories,
      hash: createHash('sha256').update(JSON.stringify(content)).digest('hex'),
    };
  });
  const start = process.hrtime.bigint();
  await sql.query('begin');
  const lines = function* () {
    for (const row of rows) {
      const e = row.entry;
      yield (
        [
          row.id,
          publisherId,
          'TAX_ARREARS',
          e.uscc,
          copyText(e.enterpriseName),
          e.uscc.slice(2, 8),
          row.level,
          `{${row.categories.join(',')}}`,
          e.amount,
          e.effectiveDate,
          '\\N',
          copyText(JSON.stringify(e.details)),
          'SHARED',
          '{}',
          '{}',
          'ACTIVE',
          row.hash,
          1,
          '2026-Q3',
          now,
          now,
          '\\N',
          '\\N',
          publicationId,
        ].join('\t') + '\n'
      );
    }
  };
  await pipeline(
    Readable.from(lines()),
    sql.query(
      copyFrom(`copy bench_copy_baseline (id, publisher_unit_id, list_type, uscc,
    enterprise_name, region_code, risk_level, categories, amount, effective_date, remarks, details, classification,
    shared_unit_codes, shared_kinds, status, content_hash, version, period, first_published_at, published_at,
    withdrawn_at, withdrawal_reason, publication_id) from stdin`),
    ),
  );
  await sql.query('commit');
  const elapsed = seconds(start);
  const [{ n }] = (await sql.query<{ n: string }>('select count(*) as n from bench_copy_baseline')).rows;
  if (Number(n) !== entries.length) throw new Error(`COPY stored ${n} rows, expected ${entries.length}`);
  console.log(`baseline COPY: ${fixed(elapsed, 2)} s for ${fixed(entries.length)} rows`);
  return { phase: 'baseline: COPY into a scratch table', seconds: elapsed, rows: entries.length, peakMb: null };
}

/** COPY text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** Rows of the change log so far (the difference around a phase is what the publication appended). */
async function changeEvents(sql: Client): Promise<number> {
  const { rows } = await sql.query<{ n: string }>('select count(*) as n from change_event');
  return Number(rows[0].n);
}

function expectCounts(answer: PublishAnswer, expected: Pick<PublishAnswer, 'added' | 'updated' | 'withdrawn' | 'unchanged'>): void {
  const got = { added: answer.added, updated: answer.updated, withdrawn: answer.withdrawn, unchanged: answer.unchanged };
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new Error(`unexpected counts ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  }
}
