/**
 * The command line and start-up, through the compiled CLI (`node dist/src/main.js`, built by `npm test`'s
 * pretest): the embedded database's first start, restart and folder lock; administration commands; bad
 * settings that stop start-up with one clear line; two instances starting at once; MIGRATE_ON_START=false.
 */
process.env.LOG_LEVEL ??= 'silent';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { migrationsList } from '../../migrations';
import { startHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { withStartupLock } from '../../src/db/startup-lock';
import { createLogger } from '../../src/logger';
import { createTestDatabase, describeWithServer, itWithServer, serverUrl, sql, TEST_AUDIT_KEY, type TestDatabase } from '../support/db';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/main.js');
const KEY = /fyh_[A-Za-z0-9_-]{43}/g;
const READY = /fuyuan-hub: GraphQL over HTTP and WebSocket at (http:\/\/\S+\/graphql)/;

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
});

/**
 * The environment of a child hub: this one's, without hub settings, plus `extra` (undefined removes); on a server
 * database the tests' AUDIT_KEY unless `extra` names AUDIT_KEY.
 */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(DATABASE_URL|DATA_DIR|HUB_|AUDIT_|PORT$|HOST$|MIGRATE_ON_START|BODY_LIMIT|DB_POOL_SIZE|MAX_PAGE_SIZE)/.test(name)) delete env[name];
  }
  Object.assign(env, { LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1' });
  if (extra.DATABASE_URL && !('AUDIT_KEY' in extra)) env.AUDIT_KEY = TEST_AUDIT_KEY;
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `node dist/src/main.js …` whose output is collected. */
class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private done = false;
  private listeners: (() => void)[] = [];

  constructor(args: string[], env: Record<string, string | undefined>) {
    this.child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.notify();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.notify();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        this.done = true;
        this.notify();
        resolve({ code, signal });
      }),
    );
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Resolves with the first match of `pattern` on stdout; rejects when the process exits first or on timeout. */
  waitFor(pattern: RegExp, timeoutMs = 100_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.stdout.match(pattern);
        if (match) return finish(() => resolve(match));
        if (this.done) {
          return finish(() => reject(new Error(`exited before printing ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)));
        }
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`))),
        timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        then();
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Waits for the exit (killing the process after `timeoutMs`). */
  async exit(timeoutMs = 100_000): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then waits for the exit. */
  async stop(): Promise<Exit> {
    if (!this.done) this.child.kill('SIGTERM');
    return this.exit(30_000);
  }
}

const running = new Set<Proc>();
afterAll(async () => {
  await Promise.all([...running].map((proc) => proc.stop()));
});

/** Runs a command to its end. */
async function cli(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = new Proc(args, env);
  const { code } = await proc.exit();
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

/** Starts `serve` and waits until it is ready; returns the process and the hub's URL. */
async function serve(env: Record<string, string | undefined>): Promise<{ proc: Proc; url: string }> {
  const proc = new Proc(['serve'], env);
  const match = await proc.waitFor(READY);
  return { proc, url: match[1] };
}

async function gql(url: string, key: string | undefined, query: string, variables?: Record<string, unknown>): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

/** Resolves once every one of `procs` waits for an advisory lock on the database of `url` (the start-up lock). */
async function waitingForLock(url: string, procs: Proc[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [{ n }] = await sql<{ n: number }>(
      url,
      `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
        where l.locktype = 'advisory' and not l.granted and d.datname = current_database()`,
    );
    if (n === procs.length) return;
    if (Date.now() > deadline || procs.some((proc) => proc.child.exitCode !== null)) {
      throw new Error(`not all ${procs.length} hubs waited for the start-up lock\n${procs.map((p) => p.stdout + p.stderr).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}

/** Exit code 1 and exactly one line on stderr, without a stack trace; returns that line. */
function expectOneLineFailure(result: { code: number | null; stderr: string }): string {
  expect(result.stderr).not.toContain('    at ');
  expect(result.stderr).not.toMatch(/node_modules|Error:\s*\n/);
  expect(lines(result.stderr)).toHaveLength(1);
  expect(result.code).toBe(1);
  return lines(result.stderr)[0];
}

/** Exit code 0, not a death by signal; on failure the message shows what the hub printed. */
function expectCleanExit(exit: Exit, proc: Proc): void {
  if (exit.code !== 0 || exit.signal !== null) {
    throw new Error(`expected exit code 0, got ${JSON.stringify(exit)}\nstdout:\n${proc.stdout}\nstderr:\n${proc.stderr}`);
  }
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fyh-e2e-'));
}

describe('the embedded database: first start, restart, one hub per DATA_DIR', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = tempDir();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  let officeKey: string;

  it('the first start prints the generated office key once; it works; a unit is created', async () => {
    const { proc, url } = await serve({ DATA_DIR: dataDir, HUB_ADMIN_KEY: undefined });
    try {
      const keys: string[] = proc.stdout.match(KEY) ?? [];
      expect(keys).toHaveLength(1);
      officeKey = keys[0];
      expect(proc.stdout).toContain('first start: created the coordination office OFFICE');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);

      const me = await gql(url, officeKey, `{ me { unit { code isOffice } roles } }`);
      expect(me.errors).toBeUndefined();
      expect(me.data.me.unit).toEqual({ code: 'OFFICE', isOffice: true });
      expect(me.data.me.roles).toHaveLength(6);

      const created = await gql(
        url,
        officeKey,
        `mutation { createUnit(input: { code: "YC-TAX", kind: TAX, name: "运城市税务局", regionCode: "140800" }) { code name } }`,
      );
      expect(created.errors).toBeUndefined();
      expect(created.data.createUnit).toEqual({ code: 'YC-TAX', name: '运城市税务局' });

      // A second hub on the same DATA_DIR while this one runs: refused with one line.
      const second = await cli(['serve'], { DATA_DIR: dataDir });
      const line = expectOneLineFailure(second);
      expect(line).toContain('DATA_DIR');
      expect(line).toContain('in use');
      expect(second.stdout).not.toMatch(READY);

      // The first hub is unharmed.
      expect((await gql(url, officeKey, `{ me { unit { code } } }`)).data.me.unit.code).toBe('OFFICE');
    } finally {
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
    }
    expect(fs.existsSync(path.join(dataDir, 'hub.lock'))).toBe(false);
  });

  it('a restart on the same DATA_DIR prints no key; the unit and the old key are still there', async () => {
    expect(officeKey).toBeDefined();
    const { proc, url } = await serve({ DATA_DIR: dataDir, HUB_ADMIN_KEY: undefined });
    try {
      expect(proc.stdout.match(KEY)).toBeNull();
      expect(proc.stdout).not.toContain('first start');
      const me = await gql(url, officeKey, `{ me { unit { code } } }`);
      expect(me.data.me.unit.code).toBe('OFFICE');
      const units = await gql(url, officeKey, `{ units { edges { node { code name kind } } } }`);
      expect(units.data.units.edges.map((e: any) => e.node)).toEqual(expect.arrayContaining([{ code: 'YC-TAX', name: '运城市税务局', kind: 'TAX' }]));
      const offices = await gql(url, officeKey, `{ units { edges { node { isOffice } } } }`);
      expect(offices.data.units.edges.filter((e: any) => e.node.isOffice)).toHaveLength(1);
    } finally {
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
    }
  });
});

describe('bad settings stop start-up with exit code 1 and one clear line', () => {
  const cleanup: (() => void | Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  /** Settings of a database that works: a fresh server database, or the embedded one in a temp folder. */
  async function workingDatabase(): Promise<Record<string, string>> {
    if (serverUrl()) {
      const database = await createTestDatabase();
      cleanup.push(() => database.drop());
      return { DATABASE_URL: database.url };
    }
    const dir = tempDir();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return { DATA_DIR: dir };
  }

  it.each([
    ['DATABASE_URL=not-a-url', { DATABASE_URL: 'not-a-url' }, /DATABASE_URL is not a URL/],
    ['DATABASE_URL=mysql://x/y', { DATABASE_URL: 'mysql://x/y' }, /DATABASE_URL must start with postgres:\/\//],
    ['PORT=abc', { PORT: 'abc' }, /^fuyuan-hub: PORT must be a whole number/],
    ['PORT=70000', { PORT: '70000' }, /^fuyuan-hub: PORT must be a whole number/],
    ['MIGRATE_ON_START=maybe', { MIGRATE_ON_START: 'maybe' }, /^fuyuan-hub: MIGRATE_ON_START must be true or false, got "maybe"/],
    ['BODY_LIMIT=lots', { BODY_LIMIT: 'lots' }, /^fuyuan-hub: BODY_LIMIT must be a size/],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, /^fuyuan-hub: LOG_LEVEL must be one of/],
    [
      'DATABASE_URL without AUDIT_KEY',
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', AUDIT_KEY: undefined },
      /^fuyuan-hub: AUDIT_KEY \(or AUDIT_KEY_FILE\) is required with DATABASE_URL: the audit trail's key, the same on every instance/,
    ],
    ['AUDIT_KEY=short', { AUDIT_KEY: 'short' }, /^fuyuan-hub: AUDIT_KEY must be 32 to 512 characters of base64 or hex/],
  ])('%s', async (_name, env, message) => {
    const result = await cli(['serve'], env);
    const line = expectOneLineFailure(result);
    expect(line).toMatch(message);
    expect(result.stdout).not.toMatch(READY);
  });

  it('a server that refuses the connection: a line saying so and naming DATABASE_URL', async () => {
    const result = await cli(['serve'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' });
    const line = expectOneLineFailure(result);
    expect(line).toMatch(/refused the connection/);
    expect(line).toContain('127.0.0.1:1');
    expect(line).toContain('DATABASE_URL');
  });

  itWithServer('a DATABASE_URL naming a database that does not exist: one line naming it, and no database is created', async () => {
    const name = `fyh_missing_${randomBytes(6).toString('hex')}`;
    const url = new URL(serverUrl()!);
    url.pathname = `/${name}`;
    const exists = async () => (await sql(serverUrl()!, 'select 1 from pg_database where datname = $1', [name])).length > 0;
    for (const command of [['serve'], ['migrate'], ['unit', 'list']]) {
      const result = await cli(command, { DATABASE_URL: url.toString(), HUB_ADMIN_KEY: undefined });
      const line = expectOneLineFailure(result);
      expect(line).toBe(
        `fuyuan-hub: the database "${name}" named in DATABASE_URL does not exist on ${url.host}: check the name, or create it first (createdb ${name}); the hub does not create databases`,
      );
      expect(result.stdout.match(KEY)).toBeNull();
      expect(await exists()).toBe(false);
    }
  });

  it('DATA_DIR under a regular file (cannot be created): a line naming DATA_DIR', async () => {
    const dir = tempDir();
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'not a folder');
    const result = await cli(['serve'], { DATA_DIR: path.join(file, 'data') });
    const line = expectOneLineFailure(result);
    expect(line).toContain('DATA_DIR');
    expect(line).toContain(path.join(file, 'data'));
    expect(line).toMatch(/cannot be created or written/);
  });

  let portInUse: { port: number; result: { code: number | null; stdout: string; stderr: string } } | undefined;
  async function startOnAPortInUse() {
    if (portInUse) return portInUse;
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const result = await cli(['serve'], { ...(await workingDatabase()), PORT: String(port) });
    return (portInUse = { port, result });
  }

  it('a PORT in use: exit 1 and a line naming PORT', async () => {
    const { port, result } = await startOnAPortInUse();
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toContain(`fuyuan-hub: PORT ${port} is in use on 127.0.0.1: stop what uses it or set PORT`);
    expect(result.stdout).not.toMatch(READY);
  });

  // The WebSocket server attaches after listen(), so a listen error is not also printed by graphql-ws.
  it('a PORT in use: ONLY that one line on stderr, no stack trace', async () => {
    const { port, result } = await startOnAPortInUse();
    const line = expectOneLineFailure(result);
    expect(line).toContain(`PORT ${port} is in use`);
  });
});

describeWithServer('the command line on a server database', () => {
  let database: TestDatabase;
  let hub: Hub | undefined;
  const env = () => ({ DATABASE_URL: database.url });
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await hub?.stop();
    await database?.drop();
  });

  let key: string;
  let credentialId: string;

  it('unit add admits a unit (the first command also creates the office and prints its key once)', async () => {
    const result = await cli(['unit', 'add', '--code', 'YC-TAX', '--kind', 'TAX', '--name', '运城市税务局', '--region', '140800'], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/unit YC-TAX \(TAX, 运城市税务局, 140800\) admitted, id [0-9a-f-]{36}/);
    expect(result.stdout.match(KEY)).toHaveLength(1);
    const rows = await sql(database.url, `select code, kind, name, region_code, is_office from unit order by code`);
    expect(rows).toEqual([
      { code: 'OFFICE', kind: 'OTHER', name: '府院联动机制办公室', region_code: '140800', is_office: true },
      { code: 'YC-TAX', kind: 'TAX', name: '运城市税务局', region_code: '140800', is_office: false },
    ]);
  });

  it('credential issue prints the key as the last stdout line; it works against a hub on that database', async () => {
    const result = await cli(['credential', 'issue', '--unit', 'YC-TAX', '--roles', 'PUBLISH,READ,SUBSCRIBE'], env());
    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    key = out[out.length - 1];
    expect(key).toMatch(/^fyh_[A-Za-z0-9_-]{43}$/);
    expect(result.stdout.match(KEY)).toHaveLength(1); // no new office key: the office exists
    const announced = /credential ([0-9a-f-]{36}) issued to YC-TAX/.exec(result.stderr);
    expect(announced).not.toBeNull();
    credentialId = announced![1];
    expect(result.stderr).not.toContain(key);

    hub = await startHub(loadConfig({ DATABASE_URL: database.url, AUDIT_KEY: TEST_AUDIT_KEY, PORT: '0', HOST: '127.0.0.1' }), createLogger('silent'));
    const me = await gql(hub.url, key, `{ me { unit { code } roles credential { id } } }`);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.unit.code).toBe('YC-TAX');
    expect([...me.data.me.roles].sort()).toEqual(['PUBLISH', 'READ', 'SUBSCRIBE']);
    expect(me.data.me.credential.id).toBe(credentialId);
  });

  it('credential list shows the credential id and hint, never the key', async () => {
    const result = await cli(['credential', 'list', '--unit', 'YC-TAX'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(credentialId);
    expect(result.stdout).toContain(`${key.slice(0, 8)}…`);
    expect(result.stdout).toContain('PUBLISH,READ,SUBSCRIBE');
    expect(result.stdout).toContain('ACTIVE');
    expect(result.stdout).not.toContain(key);
    expect(result.stdout.match(KEY)).toBeNull();
  });

  it('credential revoke stops the key at the next request to the running hub', async () => {
    expect((await gql(hub!.url, key, `{ me { unit { code } } }`)).data.me.unit.code).toBe('YC-TAX');
    const result = await cli(['credential', 'revoke', '--id', credentialId], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`credential ${credentialId}`);
    expect(result.stdout).toContain('revoked');
    const me = await gql(hub!.url, key, `{ me { unit { code } } }`);
    expect(me.data).toBeNull();
    expect(me.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(me.errors[0].message).toContain('revoked');
    const listed = await cli(['credential', 'list', '--unit', 'YC-TAX'], env());
    expect(listed.stdout).toMatch(new RegExp(`${credentialId}.*REVOKED`));
  });

  it('unit add with an invalid region: exit 1, one line naming the rule, nothing written', async () => {
    const result = await cli(['unit', 'add', '--code', 'YC-BAD', '--kind', 'TAX', '--name', '坏', '--region', '990800'], env());
    const line = expectOneLineFailure(result);
    expect(line).toMatch(/^fuyuan-hub: BAD_USER_INPUT: .*province/);
    expect(await sql(database.url, `select code from unit where code = 'YC-BAD'`)).toEqual([]);
  });

  it('credential issue with an unknown role: exit 1, the error on the first line, no stack trace, no key', async () => {
    const result = await cli(['credential', 'issue', '--unit', 'YC-TAX', '--roles', 'READ,FLY'], env());
    const line = expectOneLineFailure(result);
    expect(line).toMatch(/^fuyuan-hub: unknown role\(s\): FLY; roles are PUBLISH, .*ADMIN/);
    expect(result.stdout.match(KEY)).toBeNull();
    const count = await sql<{ n: string }>(
      database.url,
      `select count(*)::int as n from credential c join unit u on u.id = c.unit_id where u.code = 'YC-TAX'`,
    );
    expect(Number(count[0].n)).toBe(1);
  });

  it('credential issue to an unknown unit: exit 1 and one line', async () => {
    const result = await cli(['credential', 'issue', '--unit', 'NOPE', '--roles', 'READ'], env());
    const line = expectOneLineFailure(result);
    expect(line).toMatch(/^fuyuan-hub: NOT_FOUND: /);
  });

  it('unit add and update --court-code give a court its 法院代字, change it and clear it (none); a bad one is one line, nothing written', async () => {
    const courtCodes = () => sql(database.url, `select code, court_code from unit where court_code is not null order by code`);
    const added = await cli(
      ['unit', 'add', '--code', 'YC-ZY', '--kind', 'COURT', '--name', '运城市中级人民法院', '--region', '140800', '--court-code', '晋08'],
      env(),
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/unit YC-ZY \(COURT, 运城市中级人民法院, 140800, court code 晋08\) admitted, id /);
    expect((await cli(['unit', 'list'], env())).stdout).toMatch(/^YC-ZY\tCOURT\t140800\t晋08\tactive\t\t运城市中级人民法院$/m);
    expect(expectOneLineFailure(await cli(['unit', 'update', '--code', 'YC-ZY', '--court-code', '晋8'], env()))).toMatch(
      /^fuyuan-hub: BAD_USER_INPUT: courtCode: /,
    );
    expect(expectOneLineFailure(await cli(['unit', 'update', '--code', 'YC-TAX', '--court-code', '晋0899'], env()))).toMatch(
      /^fuyuan-hub: BAD_USER_INPUT: courtCode: only a COURT unit has a court code/,
    );
    expect(await courtCodes()).toEqual([{ code: 'YC-ZY', court_code: '晋08' }]);
    const changed = await cli(['unit', 'update', '--code', 'YC-ZY', '--court-code', '晋0802'], env());
    expect(changed.stdout).toMatch(/unit YC-ZY: 运城市中级人民法院, COURT, 140800, court code 晋0802, active/);
    const cleared = await cli(['unit', 'update', '--code', 'YC-ZY', '--court-code', 'none'], env());
    expect(cleared.stdout).toMatch(/unit YC-ZY: 运城市中级人民法院, COURT, 140800, active/);
    expect(await courtCodes()).toEqual([]);
  });

  it('a usage error is found before the database is touched: a fresh database stays empty', async () => {
    const fresh = await createTestDatabase();
    try {
      const result = await cli(['unit', 'add', '--code', 'YC-X', '--kind', 'TAX', '--region', '140800'], { DATABASE_URL: fresh.url });
      expect(expectOneLineFailure(result)).toMatch(/^fuyuan-hub: unit add needs --name/);
      expect(result.stdout.match(KEY)).toBeNull();
      const tables = await sql(fresh.url, `select table_name from information_schema.tables where table_schema = 'public'`);
      expect(tables).toEqual([]);
    } finally {
      await fresh.drop();
    }
  });
});

describe('the command line on the embedded database (no server needed)', () => {
  let dataDir: string;
  const env = () => ({ DATA_DIR: dataDir, HUB_ADMIN_KEY: 'embedded-cli-admin-key-0123456789' });
  beforeAll(() => {
    dataDir = tempDir();
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('unit add, credential issue, list and revoke act on the data folder; the key works once the hub serves it', async () => {
    const added = await cli(['unit', 'add', '--code', 'YC-TAX', '--kind', 'TAX', '--name', '运城市税务局', '--region', '140800'], env());
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/unit YC-TAX \(TAX, 运城市税务局, 140800\) admitted/);
    const issued = await cli(['credential', 'issue', '--unit', 'YC-TAX', '--roles', 'READ'], env());
    expect(issued.code).toBe(0);
    const key = lines(issued.stdout).pop()!;
    expect(key).toMatch(/^fyh_[A-Za-z0-9_-]{43}$/);
    const id = /credential ([0-9a-f-]{36}) issued/.exec(issued.stderr)![1];
    const listed = await cli(['credential', 'list', '--unit', 'YC-TAX'], env());
    expect(listed.stdout).toMatch(new RegExp(`${id}.*READ.*ACTIVE`));
    expect(listed.stdout).not.toContain(key);
    const bad = await cli(['unit', 'add', '--code', 'YC-BAD', '--kind', 'TAX', '--name', '坏', '--region', '990800'], env());
    expect(expectOneLineFailure(bad)).toMatch(/^fuyuan-hub: BAD_USER_INPUT: .*province/);

    const hub = await serve({ ...env(), PORT: '0', HOST: '127.0.0.1' });
    try {
      expect((await gql(hub.url, key, `{ me { unit { code } roles } }`)).data.me).toEqual({ unit: { code: 'YC-TAX' }, roles: ['READ'] });
      const units = await gql(hub.url, key, `{ units { edges { node { code } } } }`);
      expect(units.data.units.edges.map((e: any) => e.node.code)).toEqual(['OFFICE', 'YC-TAX']);
    } finally {
      expect((await hub.proc.stop()).code).toBe(0);
    }
    const revoked = await cli(['credential', 'revoke', '--id', id], env());
    expect(revoked.stdout).toContain('revoked');
    const again = await serve({ ...env(), PORT: '0', HOST: '127.0.0.1' });
    try {
      expect((await gql(again.url, key, `{ me { unit { code } } }`)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      expect((await again.proc.stop()).code).toBe(0);
    }
  }, 180_000);
});

describe('stopping and failing without losing anything', () => {
  it('with NODE_ENV=production, SIGTERM stops the hub cleanly: exit 0 and the data folder unlocked', async () => {
    const dataDir = tempDir();
    try {
      const hub = await serve({
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        HUB_ADMIN_KEY: 'production-stop-key-0123456789abc',
      });
      expect(fs.existsSync(path.join(dataDir, 'hub.lock'))).toBe(true);
      expectCleanExit(await hub.proc.stop(), hub.proc);
      expect(fs.existsSync(path.join(dataDir, 'hub.lock'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a second SIGTERM while stopping, or one during start-up, still ends in exit 0 with the data folder unlocked', async () => {
    const dataDir = tempDir();
    try {
      const env = { DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'info', HUB_ADMIN_KEY: 'production-stop-key-0123456789abc' };
      const hub = await serve(env);
      hub.proc.child.kill('SIGTERM');
      hub.proc.child.kill('SIGTERM');
      expectCleanExit(await hub.proc.exit(30_000), hub.proc);
      expect(fs.existsSync(path.join(dataDir, 'hub.lock'))).toBe(false);

      // The first log line comes while the database opens, long before the hub listens.
      const starting = new Proc(['serve'], env);
      await starting.waitFor(/"level":30/);
      starting.child.kill('SIGTERM');
      expectCleanExit(await starting.exit(60_000), starting);
      expect(fs.existsSync(path.join(dataDir, 'hub.lock'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('a first start on a PORT in use writes nothing and shows no key; the next start shows the key once it serves', async () => {
    const database = serverUrl() ? await createTestDatabase() : undefined;
    const dataDir = tempDir();
    const where = database ? { DATABASE_URL: database.url } : { DATA_DIR: dataDir };
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = String((blocker.address() as net.AddressInfo).port);
    try {
      const failed = await cli(['serve'], { ...where, PORT: port, HOST: '127.0.0.1', HUB_ADMIN_KEY: undefined });
      expect(expectOneLineFailure(failed)).toBe(`fuyuan-hub: PORT ${port} is in use on 127.0.0.1: stop what uses it or set PORT`);
      expect(failed.stdout.match(KEY)).toBeNull();
      expect(failed.stdout).not.toContain('first start');
      // Nothing was written: no table on the server database, not even a file in DATA_DIR.
      if (database) expect(await sql(database.url, `select table_name from information_schema.tables where table_schema = 'public'`)).toEqual([]);
      expect(fs.readdirSync(dataDir)).toEqual([]);
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      const hub = await serve({ ...where, PORT: port, HOST: '127.0.0.1', HUB_ADMIN_KEY: undefined });
      try {
        const keys = hub.proc.stdout.match(KEY) ?? [];
        expect(keys).toHaveLength(1);
        expect(hub.proc.stdout).toContain('first start: created the coordination office OFFICE');
        expect((await gql(hub.url, keys[0], `{ me { unit { isOffice } } }`)).data.me.unit.isOffice).toBe(true);
      } finally {
        await hub.proc.stop();
      }
    } finally {
      blocker.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      await database?.drop();
    }
  }, 180_000);
});

describeWithServer('while the hub starts: the port is bound, requests get a clear answer, the key comes once it serves', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('/healthz 200, /readyz 503, GraphQL 503 with Retry-After in the error shape, WebSocket 503; then the hub serves and shows its key', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const base = `http://127.0.0.1:${port}`;
    let proc: Proc | undefined;
    try {
      // The start-up lock held: the hub has bound its port and waits to migrate.
      await withStartupLock(database.url, async () => {
        proc = new Proc(['serve'], { DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', HUB_ADMIN_KEY: undefined });
        await waitingForLock(database.url, [proc]);
        const health = await fetch(`${base}/healthz`);
        expect([health.status, await health.json()]).toEqual([200, { status: 'starting' }]);
        const ready = await fetch(`${base}/readyz`);
        expect([ready.status, await ready.json()]).toEqual([503, { status: 'not ready', reason: 'starting' }]);
        const graphql = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        });
        expect(graphql.status).toBe(503);
        expect(graphql.headers.get('retry-after')).toBe('1');
        expect(graphql.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await graphql.json()).toEqual({
          errors: [{ message: 'the hub is starting: try again in a moment', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        });
        const upgrade = await new Promise<string>((resolve, reject) => {
          const socket = net.connect(port, '127.0.0.1', () =>
            socket.write(
              'GET /graphql HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
            ),
          );
          let answer = '';
          socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
          socket.on('end', () => resolve(answer));
          socket.on('error', reject);
        });
        expect(upgrade).toMatch(/^HTTP\/1\.1 503 /);
        // Nothing written yet, nothing shown.
        expect(await sql(database.url, `select table_name from information_schema.tables where table_schema = 'public'`)).toEqual([]);
        expect(proc.stdout.match(KEY)).toBeNull();
      });
      const url = (await proc!.waitFor(READY))[1];
      const keys = proc!.stdout.match(KEY) ?? [];
      expect(keys).toHaveLength(1);
      expect((await gql(url, keys[0], `{ me { unit { isOffice } } }`)).data.me.unit.isOffice).toBe(true);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'up' });
    } finally {
      if (proc) expect(await proc.stop()).toEqual({ code: 0, signal: null });
    }
  });
});

describeWithServer('two instances starting at once on one fresh database', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('one office, one migration run, one credential, one printed key', async () => {
    let procs: Proc[] = [];
    try {
      // Hold the start-up lock until both hubs wait for it, so that they really contend for the fresh database.
      await withStartupLock(database.url, async () => {
        procs = [new Proc(['serve'], { DATABASE_URL: database.url }), new Proc(['serve'], { DATABASE_URL: database.url })];
        await waitingForLock(database.url, procs);
      });
      const urls = await Promise.all(procs.map((proc) => proc.waitFor(READY).then((match) => match[1])));
      expect(new Set(urls).size).toBe(2);
      const offices = await sql<{ n: number }>(database.url, 'select count(*)::int as n from unit where is_office');
      expect(offices).toEqual([{ n: 1 }]);
      const migrations = await sql<{ name: string }>(database.url, 'select name from mikro_orm_migrations order by id');
      expect(migrations.map((row) => row.name)).toEqual(migrationsList.map((m) => m.name));
      const credentials = await sql<{ n: number }>(database.url, 'select count(*)::int as n from credential');
      expect(credentials).toEqual([{ n: 1 }]);
      const audited = await sql<{ action: string }>(database.url, 'select action from audit_record order by id');
      expect(audited.map((row) => row.action)).toEqual(['unit.create', 'credential.issue']);
      const printed = procs.map((proc) => proc.stdout.match(KEY) ?? []);
      expect(printed.map((keys) => keys.length).sort()).toEqual([0, 1]);
      const theKey = printed.flat()[0];
      // The key works on both instances.
      for (const url of urls) {
        expect((await gql(url, theKey, `{ me { unit { code } } }`)).data.me.unit.code).toBe('OFFICE');
      }
    } finally {
      for (const exit of await Promise.all(procs.map((proc) => proc.stop()))) expect(exit).toEqual({ code: 0, signal: null });
    }
  });
});

describeWithServer('MIGRATE_ON_START=false and npm run migrate', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('serve refuses a database with pending migrations; migrate applies them once; then serve starts', async () => {
    const refused = await cli(['serve'], { DATABASE_URL: database.url, MIGRATE_ON_START: 'false' });
    const line = expectOneLineFailure(refused);
    expect(line).toContain('npm run migrate');
    expect(line).toContain('MIGRATE_ON_START');
    // Nothing was migrated (checking for pending migrations creates MikroORM's empty bookkeeping table).
    const tables = await sql<{ table_name: string }>(database.url, `select table_name from information_schema.tables where table_schema = 'public'`);
    expect(tables.map((row) => row.table_name).filter((name) => name !== 'mikro_orm_migrations')).toEqual([]);
    expect(await sql(database.url, 'select name from mikro_orm_migrations')).toEqual([]);

    const first = await cli(['migrate'], { DATABASE_URL: database.url });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${migrationsList.length} migration(s): ${migrationsList.map((m) => m.name).join(', ')}`);
    const second = await cli(['migrate'], { DATABASE_URL: database.url });
    expect(second.code).toBe(0);
    expect(lines(second.stdout)).toEqual(['no migration pending']);
    expect(await sql(database.url, 'select name from mikro_orm_migrations')).toHaveLength(migrationsList.length);

    const adminKey = `e2e-admin-key-${Date.now()}-abcdefghijklmnop`;
    const { proc, url } = await serve({ DATABASE_URL: database.url, MIGRATE_ON_START: 'false', HUB_ADMIN_KEY: adminKey });
    try {
      expect(proc.stdout).toContain('HUB_ADMIN_KEY registered');
      expect(proc.stdout.match(KEY)).toBeNull();
      const ready = await fetch(url.replace(/\/graphql$/, '/readyz'));
      expect(await ready.json()).toEqual({ status: 'ready' });
      const me = await gql(url, adminKey, `{ me { unit { code } credential { label } } }`);
      expect(me.data.me).toEqual({ unit: { code: 'OFFICE' }, credential: { label: 'HUB_ADMIN_KEY' } });
    } finally {
      expect(await proc.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
