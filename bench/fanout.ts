/**
 * `npm run bench:fanout`: dashboards subscribed to live case changes. Subscribers connect over WebSocket to one
 * hub process (graphql-transport-ws, with a raw `ws` client each, to keep the benchmark's own cost low), split
 * over four member units (four visibility classes), each with the same dashboard subscription. Then 10 progress
 * entries are added to a case at 2 per second; the delivery latency of each change to each subscriber is the
 * time from just before its mutation was sent to the message's arrival.
 *
 * Phases: 1 subscriber (the baseline of the same run), 1,000 subscribers, 5,000 subscribers. Targets (issue 5,
 * "Speed"): every subscriber gets every change; p99 under 250 ms at 1,000 and under 1 s at 5,000. A miss is
 * printed, never an exit code. Environment: BENCH_DATABASE_URL, BENCH_POOL_SIZE, BENCH_HUB_LOG_LEVEL,
 * BENCH_SUBSCRIBERS (default "1,1000,5000"), BENCH_CHANGES (default 10), BENCH_RATE (changes per second, 2).
 * The hub's per-key caps are set for the largest phase (5,000 sockets on 4 keys: 1,250 sockets and subscriptions
 * per key, over the defaults of 200 and 1,000).
 */
import 'reflect-metadata';
import WebSocket from 'ws';
import {
  createScratchDatabase,
  fixed,
  gql,
  machineLine,
  passMiss,
  percentile,
  runBench,
  sleep,
  startHubProcess,
  table,
  type HubProcess,
} from './support';

const PHASES = (process.env.BENCH_SUBSCRIBERS ?? '1,1000,5000').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 2);
const TARGETS: Record<number, number> = { 1000: 250, 5000: 1000 };
const UNITS = [
  { code: 'YC-COURT', kind: 'COURT', name: '运城市中级人民法院', courtCode: '晋08' },
  { code: 'YC-TAX', kind: 'TAX', name: '国家税务总局运城市税务局' },
  { code: 'YC-PBOC', kind: 'PBOC', name: '中国人民银行运城市分行' },
  { code: 'YC-HRSS', kind: 'HUMAN_RESOURCES', name: '运城市人力资源和社会保障局' },
];
const SUBSCRIPTION = `subscription { changes(filter: { topics: [CASE, CASE_PROGRESS] }) {
  cursor topic kind occurredAt actingUnit { code name }
  progress { kind occurredOn summary amount }
  case { id caseNumber stage procedure riskLevel employeesAffected wagesOwed }
} }`;

/** One subscriber: a socket, and the arrival time of each change it received. */
interface Subscriber {
  socket: WebSocket;
  arrivals: number[];
}

runBench('bench:fanout', async (cleanup) => {
  console.log(`bench:fanout — ${CHANGES} changes at ${RATE}/s to ${PHASES.join(', ')} subscribers over WebSocket`);
  console.log(`machine: ${machineLine()}`);
  const db = await createScratchDatabase();
  cleanup(() => db.drop());
  const hub = await startHubProcess(db.url, capsFor(Math.max(...PHASES)));
  cleanup(() => hub.stop());
  const keys = await prepare(hub);
  const caseId = await registerCase(hub, keys.writer);
  console.log(`hub pid ${hub.pid} at ${hub.url}; scratch database ${db.name}\n`);

  const subscribers: Subscriber[] = [];
  cleanup(async () => subscribers.forEach((s) => s.socket.terminate()));
  const rows: (string | number)[][] = [];
  const verdicts: (string | number)[][] = [];
  let baselineP99 = NaN;
  for (const count of PHASES) {
    while (subscribers.length < count) {
      const batch = Math.min(200, count - subscribers.length);
      subscribers.push(
        ...(await Promise.all(
          Array.from({ length: batch }, (_, i) => subscribe(hub.url, keys.readers[(subscribers.length + i) % keys.readers.length])),
        )),
      );
    }
    const active = subscribers.slice(0, count);
    // A first change that every subscriber must receive: they are all live.
    await addProgress(hub, keys.writer, caseId, 'warm-up');
    await waitFor(active, 1, 60_000);
    active.forEach((s) => (s.arrivals.length = 0));

    hub.resetPeak();
    const sent: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const due = performance.now() + 1000 / RATE;
      sent.push(performance.now());
      await addProgress(hub, keys.writer, caseId, `change ${i + 1}`);
      await sleep(due - performance.now());
    }
    const complete = await waitFor(active, CHANGES, 30_000);
    const latencies = active.flatMap((s) => s.arrivals.slice(0, CHANGES).map((arrived, i) => arrived - sent[i]));
    const [p50, p99, max] = [percentile(latencies, 0.5), percentile(latencies, 0.99), Math.max(...latencies)];
    if (count === PHASES[0]) baselineP99 = p99;
    const delivered = active.reduce((sum, s) => sum + Math.min(s.arrivals.length, CHANGES), 0);
    rows.push([
      count.toLocaleString('en-US'),
      `${delivered.toLocaleString('en-US')} of ${(count * CHANGES).toLocaleString('en-US')}`,
      fixed(p50, 1),
      fixed(p99, 1),
      fixed(max, 1),
      fixed(p99 / baselineP99, 2),
      fixed(hub.memory().peakMb),
    ]);
    const target = TARGETS[count];
    if (target) {
      verdicts.push([`${count.toLocaleString('en-US')} subscribers: every change delivered`, complete ? 'yes' : 'no', passMiss(complete)]);
      verdicts.push([`${count.toLocaleString('en-US')} subscribers: p99 < ${target} ms`, `${fixed(p99, 1)} ms`, passMiss(complete && p99 < target)]);
    }
  }
  console.log(table(['subscribers', 'delivered', 'p50 ms', 'p99 ms', 'max ms', 'p99 / 1 subscriber', 'hub peak RSS MB'], rows));
  console.log();
  console.log(table(['target (issue 5)', 'measured', 'result'], verdicts));
  console.log(`\nload average at the end: ${machineLine()}`);
});

/**
 * The per-key caps (MAX_SOCKETS_PER_KEY 200, MAX_SUBSCRIPTIONS_PER_KEY 1,000 by default) set for this run's
 * subscribers: one socket with one subscription each, spread over the four units' keys.
 */
function capsFor(subscribers: number): Record<string, string> {
  const perKey = String(Math.ceil(subscribers / UNITS.length));
  return { MAX_SOCKETS_PER_KEY: perKey, MAX_SUBSCRIPTIONS_PER_KEY: perKey, MAX_CONNECTIONS: String(Math.max(10_000, subscribers + 1_000)) };
}

async function prepare(hub: HubProcess): Promise<{ writer: string; readers: string[] }> {
  const createUnit = `mutation($input: CreateUnitInput!) { createUnit(input: $input) { code } }`;
  const issue = `mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key } }`;
  const readers: string[] = [];
  for (const unit of UNITS) {
    await gql(hub.url, hub.adminKey, createUnit, { input: { ...unit, regionCode: '140800' } });
    const issued = await gql<{ issueCredential: { key: string } }>(hub.url, hub.adminKey, issue, {
      input: { unit: unit.code, roles: ['READ', 'SUBSCRIBE'], label: 'bench dashboard' },
    });
    readers.push(issued.issueCredential.key);
  }
  const writer = await gql<{ issueCredential: { key: string } }>(hub.url, hub.adminKey, issue, {
    input: { unit: 'YC-COURT', roles: ['PUBLISH', 'READ'], label: 'bench court' },
  });
  return { writer: writer.issueCredential.key, readers };
}

async function registerCase(hub: HubProcess, key: string): Promise<string> {
  const answer = await gql<{ registerCase: { id: string } }>(
    hub.url,
    key,
    `mutation($input: RegisterCaseInput!) { registerCase(input: $input) { id } }`,
    {
      input: {
        caseNumber: '（2026）晋08破申1号',
        procedure: 'LIQUIDATION',
        appliedOn: '2026-10-08',
        debtorUscc: '911408001000007370',
        debtorName: '运城市示例机械有限公司',
        major: true,
        employeesAffected: 320,
        wagesOwed: '1250000.00',
        socialStabilityRisk: 'ORANGE',
      },
    },
  );
  return answer.registerCase.id;
}

function addProgress(hub: HubProcess, key: string, caseId: string, summary: string) {
  return gql(hub.url, key, `mutation($input: AddCaseProgressInput!) { addCaseProgress(input: $input) { progress { id } } }`, {
    input: { caseId, kind: 'NOTE', summary, occurredOn: '2026-11-29' },
  });
}

/** Connects, subscribes and resolves once the subscription is sent (it is live when the warm-up arrives). */
function subscribe(url: string, key: string): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const subscriber: Subscriber = { socket, arrivals: [] };
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })));
    socket.on('message', (data) => {
      const text = String(data);
      // Only the message type is read: the benchmark measures delivery, not its own parsing.
      if (text.startsWith('{"id":"1","type":"next"')) return void subscriber.arrivals.push(performance.now());
      const message = JSON.parse(text) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
        resolve(subscriber);
      } else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (message.type === 'error' || message.type === 'next') reject(new Error(text.slice(0, 500)));
    });
  });
}

/** Resolves true once every subscriber has `count` arrivals, false at the deadline. */
async function waitFor(subscribers: Subscriber[], count: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (subscribers.some((s) => s.arrivals.length < count)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}
