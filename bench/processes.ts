/**
 * The benchmarks' child processes: the hub (`node dist/src/main.js serve`, as in production) and any other Node
 * script of the bench (the read baseline's server), each started and awaited until it prints its ready line; their
 * memory (VmHWM, VmRSS) and CPU time from /proc/<pid>, and the host's CPU from /proc/stat.
 *
 * BENCH_HUB_NODE_ARGS adds options to the hub's `node` (to profile it: "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Database connections of the hub (`DB_POOL_SIZE`); the read baseline's pg Pool has the same size. */
export const POOL_SIZE = Number(process.env.BENCH_POOL_SIZE ?? 10);

const ROOT = path.resolve(__dirname, '..', '..');

/** A child process of the bench: its memory and CPU from /proc, its output, and its end. */
export interface ChildProcessHandle {
  pid: number;
  /** Resets the kernel's peak-RSS mark (VmHWM) so that the next reading is the peak of what follows. */
  resetPeak(): boolean;
  /** VmHWM (peak resident set) and VmRSS (now) in MB, from /proc/<pid>/status. */
  memory(): { peakMb: number; rssMb: number };
  /** CPU seconds (user and system) it has used so far. */
  cpuSeconds(): number;
  /** Hears each line it prints after start-up; a listener returning true keeps the line off the console. */
  onLine(listener: (line: string) => boolean | void): void;
  stop(): Promise<void>;
}

export interface HubProcess extends ChildProcessHandle {
  url: string;
  adminKey: string;
}

/** One audit key for every hub of a run: hubs on one database must share it. */
const BENCH_AUDIT_KEY = randomBytes(32).toString('base64url');

/** Starts `node dist/src/main.js serve` on `databaseUrl` and resolves when it prints its ready line. */
export async function startHubProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<HubProcess> {
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  // BENCH_HUB_NODE_ARGS: extra options for the hub's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it.
  const nodeArgs = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const { handle, url } = await startNodeProcess(
    'hub',
    [...nodeArgs, path.join(ROOT, 'dist/src/main.js'), 'serve'],
    /fuyuan-hub: GraphQL over HTTP and WebSocket at (\S+)/,
    {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      AUDIT_KEY: BENCH_AUDIT_KEY,
      PORT: '0',
      HOST: '127.0.0.1',
      HUB_ADMIN_KEY: adminKey,
      LOG_LEVEL: process.env.BENCH_HUB_LOG_LEVEL ?? 'warn',
      DB_POOL_SIZE: String(POOL_SIZE),
      BODY_LIMIT: '256mb',
      ...env,
    },
  );
  return { ...handle, url, adminKey };
}

/**
 * Starts `node <args>` (paths relative to the repository) with only PATH and `env` in its environment, and resolves
 * when its stdout matches `ready`, with the ready line's first group (its URL). Its stderr is shown as it comes, its
 * stdout after start-up line by line, each prefixed with `[label]`.
 */
export async function startNodeProcess(
  label: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string>,
): Promise<{ handle: ChildProcessHandle; url: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const listeners: ((line: string) => boolean | void)[] = [];
  let pending = '';
  /** After start-up: each whole line to the listeners, and to the console unless one of them kept it. */
  const echo = (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (!listeners.some((listener) => listener(line) === true)) process.stderr.write(`[${label}] ${line}\n`);
    }
  };
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`the ${label} did not get ready within 60 s`)), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- ${label} stdout ---\n${out}\n--- ${label} stderr ---\n${err}`));
    };
    let started = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      // After start-up its log lines (the hub's LOG_LEVEL, warn by default) are shown: a benchmark that hides them misleads.
      if (started) return echo(chunk);
      out += chunk;
      const line = ready.exec(out);
      if (line) {
        started = true;
        clearTimeout(timer);
        resolve(line[1]);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      process.stderr.write(chunk.replace(/^(?=.)/gm, `[${label}] `));
    });
    child.once('exit', (code, signal) => {
      if (!started) fail(new Error(`the ${label} exited (${code ?? signal}) before it was ready`));
    });
  });
  return { handle: childHandle(child, listeners), url };
}

function childHandle(child: ChildProcess, listeners: ((line: string) => boolean | void)[]): ChildProcessHandle {
  const pid = child.pid!;
  const statusField = (field: string) => {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : NaN;
  };
  return {
    pid,
    resetPeak() {
      try {
        // Linux: writing 5 to clear_refs resets VmHWM to the current RSS (our own child, same user).
        fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    memory: () => ({ peakMb: statusField('VmHWM'), rssMb: statusField('VmRSS') }),
    cpuSeconds: () => cpuSecondsOf(pid),
    onLine: (listener) => void listeners.push(listener),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(killer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user and system) process `pid` has used, from /proc/<pid>/stat; NaN when it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name in parentheses: field 3 (state) onwards; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The host's CPU time so far, from the first line of /proc/stat: busy and total ticks of all cores. */
export function hostCpu(): { busy: number; total: number } {
  const [, ...values] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const ticks = values.slice(0, 8).map(Number);
  const total = ticks.reduce((sum, n) => sum + n, 0);
  return { busy: total - ticks[3] - ticks[4], total };
}

/** How busy the host was between two {@link hostCpu} readings, in percent of all its cores. */
export function hostBusyPercent(from: { busy: number; total: number }, to: { busy: number; total: number }): number {
  return to.total > from.total ? (100 * (to.busy - from.busy)) / (to.total - from.total) : NaN;
}

/**
 * Samples the CPU of a changing set of processes (a pool's database backends come and go) every `everyMs` from
 * now on; `stop` returns the CPU seconds they used in between: for each process its last reading less its first,
 * where one first seen after the start counts from 0 (it was started in between). What a process used after its
 * last reading before it ended is lost.
 */
export function sampleCpu(pids: () => Promise<number[]>, everyMs = 500): { stop(): Promise<number> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = async (initial: boolean) => {
    for (const pid of await pids()) {
      const cpu = cpuSecondsOf(pid);
      if (!Number.isFinite(cpu)) continue;
      if (!first.has(pid)) first.set(pid, initial ? cpu : 0);
      last.set(pid, cpu);
    }
  };
  let pending = sample(true);
  const timer = setInterval(() => (pending = pending.then(() => sample(false))), everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending.then(() => sample(false));
      return [...last].reduce((sum, [pid, cpu]) => sum + cpu - first.get(pid)!, 0);
    },
  };
}
