/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WASM) inside the hub's process, served on a local
 * socket by pglite-socket so that the ordinary PostgreSQL driver, the same SQL and the same migrations run on it.
 *
 * Limits (DESIGN.md "Databases"): every connection shares one session, so transactions run one at a time; a
 * query on another connection from inside an open transaction deadlocks; LISTEN/NOTIFY does not cross
 * connections. One hub process owns a data folder at a time: a lock file in it refuses a second one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ConfigError } from '../config';

export interface EmbeddedDatabase {
  /** postgres:// URL of the local socket. */
  url: string;
  stop(): Promise<void>;
}

const LOCK_FILE = 'hub.lock';
/** Data folders this process holds: a second hub in the same process is refused too. */
const heldHere = new Set<string>();

// The contrib typings are ESM-only while the package also ships CommonJS; require the CommonJS build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: import('@electric-sql/pglite').Extension };

/** Starts PGlite on `dataDir` (created when missing) and serves it on 127.0.0.1 at a free port. */
export async function startEmbedded(dataDir: string, maxConnections: number): Promise<EmbeddedDatabase> {
  prepareDataDir(dataDir);
  const releaseLock = lockDataDir(dataDir);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir: path.join(dataDir, 'pgdata'), extensions: { pg_trgm } });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    const pglite = db;
    return {
      url,
      async stop() {
        await server.stop();
        await pglite.close();
        releaseLock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    releaseLock();
    throw error;
  }
}

function prepareDataDir(dataDir: string): void {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`DATA_DIR ${dataDir} cannot be created or written (${code}): choose a writable folder`);
  }
}

/** Takes the data folder for this process; a lock left by a process that no longer runs is taken over. */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, LOCK_FILE);
  if (heldHere.has(lockPath)) {
    throw new ConfigError(`DATA_DIR ${dataDir} is in use by another hub in this process: stop it or choose another DATA_DIR`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      heldHere.add(lockPath);
      return () => {
        heldHere.delete(lockPath);
        fs.rmSync(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      // A lock naming this very process was left by an earlier run with the same pid (PID 1 in a container).
      if (owner && owner !== process.pid && processRuns(owner)) {
        throw new ConfigError(`DATA_DIR ${dataDir} is in use by another hub (process ${owner}): stop it or choose another DATA_DIR`);
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new ConfigError(`DATA_DIR ${dataDir}: could not take its lock file ${LOCK_FILE}`);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
