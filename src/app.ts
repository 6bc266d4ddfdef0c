/**
 * Builds a hub (database, migrations, first-start bootstrap, schema, HTTP and WebSocket) and stops it.
 * `npm start`, the command line and the tests all start hubs through here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import { prepareAuditChain, logAuditHead } from './audit/audit-chain';
import { resolveAuditKeys, useAuditKeys, type AuditKeys } from './audit/audit-keys';
import { ConfigError, type HubConfig } from './config';
import { startEmbedded, type EmbeddedDatabase } from './db/embedded';
import { withMigrator } from './db/database-roles';
import { applyMigrations, pendingMigrations } from './db/migrate';
import { openOrm, type Orm } from './db/orm';
import { entities } from './entities';
import { declareSharedSession } from './db/sql';
import { withStartupLock } from './db/startup-lock';
import { createApollo } from './graphql/apollo';
import type { HubContext, HubRuntime } from './graphql/context';
import { loadChangeCursors, type ChangeCursors } from './change-log/cursor';
import { Feed } from './feed/feed';
import { ResultSharing } from './feed/result-sharing';
import { CredentialCache } from './access/credential-cache';
import { wakeOnLocalCommits, wakeOnNotify, type StopListening } from './feed/notifier';
import { PersonalDataAudit } from './graphql/personal-data-audit';
import { compiledRoots, hubSchema } from './graphql/schema';
import { GRAPHQL_PATH, startWebSocket } from './graphql/websocket';
import { createExpressApp } from './http/express-app';
import { answerWhileStarting } from './http/starting';
import { createHttpServer } from './http/server';
import { bootstrapOffice, type BootstrapResult } from './modules/units/bootstrap';

/** Changes the feed reads from the log per statement. */
const FEED_BATCH = 1_000;
/** Most recent changes the feed keeps in memory for subscriptions that catch up (a few tens of MB at most). */
const FEED_RECENT = 10_000;

/** An open database: the ORM on the server of DATABASE_URL or on the embedded one. */
export interface Database {
  orm: Orm;
  /** The URL the ORM connects to (the embedded database's local socket when embedded). */
  clientUrl: string;
  embedded: boolean;
  /** The audit trail's keys (never stored in the database). */
  auditKeys: AuditKeys;
  close(): Promise<void>;
}

export async function openDatabase(config: HubConfig, log: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    log.info({ dataDir: config.dataDir }, 'starting the embedded PostgreSQL (PGlite)');
    // The pool, the start-up lock's own connection and one spare.
    embedded = await startEmbedded(config.dataDir, config.poolSize + 2);
  }
  const clientUrl = config.databaseUrl ?? embedded!.url;
  try {
    // On the embedded database after its folder is made and locked: the key file sits beside pgdata.
    const auditKeys = resolveAuditKeys(config.audit, embedded ? config.dataDir : undefined);
    const orm = await openOrm(clientUrl, config.poolSize, entities, log);
    if (embedded) declareSharedSession(orm);
    useAuditKeys(orm, auditKeys);
    return {
      orm,
      clientUrl,
      embedded: !!embedded,
      auditKeys,
      async close() {
        await orm.close(true);
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Under the start-up lock: applies pending migrations (when `migrate`; as the owner of DATABASE_OWNER_URL when
 * given, which then also grants the runtime role its privileges), checks the audit key against the trail
 * (audit-chain.ts) and creates the office at first start (as the runtime role). Refuses to go on when migrations
 * are pending and not to be applied.
 */
export async function prepareDatabase(db: Database, config: HubConfig, log: Logger, migrate: boolean): Promise<BootstrapResult> {
  return withStartupLock(db.clientUrl, async () => {
    await withMigrator(db.orm, config.databaseOwnerUrl, log, async ({ orm, runtimeRole }) => {
      if (migrate) {
        const applied = await applyMigrations(orm, { runtimeRole, report: (note) => log.warn({ migration: true }, note) });
        if (applied.length) log.info({ applied }, 'migrations applied');
      } else {
        const pending = await pendingMigrations(orm);
        if (pending.length) {
          throw new ConfigError(`${pending.length} migration(s) pending and MIGRATE_ON_START is off: run "npm run migrate" first`);
        }
      }
    });
    const keyed = await prepareAuditChain(db.orm.em.fork(), db.auditKeys);
    if (keyed)
      log.warn(
        { unkeyedRecords: keyed.unkeyed },
        'the audit trail is keyed from now on; its older records keep their unkeyed SHA-256 links (if it had keyed records before, it was rewritten: audit verify --expect-head tells)',
      );
    return bootstrapOffice(db.orm.em.fork(), config);
  });
}

export interface Hub {
  /** http://…/graphql; the WebSocket endpoint is the same with ws://. */
  url: string;
  port: number;
  db: Database;
  /** What the first-start bootstrap did on this start. */
  bootstrap: BootstrapResult;
  /** The live change feed of this instance. */
  feed: Feed;
  /** Its change-feed cursors (every instance on the database seals alike). */
  cursors: ChangeCursors;
  stop(): Promise<void>;
}

/**
 * Starts a hub. The port is bound before anything else: a port in use stops start-up before the database is even
 * opened, so nothing is written (no migration, no office, no key). Until the hub is ready, requests get a clear
 * "starting" answer (src/http/starting.ts); the hub serves only once migrated, bootstrapped and built, so a key the
 * first-start bootstrap generated is shown by the caller once the hub is serving.
 */
export async function startHub(config: HubConfig, log: Logger): Promise<Hub> {
  const httpServer = createHttpServer(config, log);
  const ready = answerWhileStarting(httpServer);
  let db: Database | undefined;
  let apollo: ApolloServer<HubContext> | undefined;
  let feed: Feed | undefined;
  let stopHeadLog: (() => void) | undefined;
  const listeners: StopListening[] = [];
  try {
    await listen(httpServer, config.port, config.host);
    db = await openDatabase(config, log);
    const openDb = db;
    const bootstrap = await prepareDatabase(db, config, log, config.migrateOnStart);
    const schema = await hubSchema();
    const cursors = await loadChangeCursors(db.orm.em.fork());
    feed = new Feed(db.orm, log, {
      pollMs: config.feedPollMs,
      queueLimit: config.feedQueueLimit,
      stallMs: config.feedStallMs,
      batchSize: FEED_BATCH,
      recentLimit: FEED_RECENT,
      cursors,
    });
    await feed.start();
    for (const name of config.retiredSettings) log.warn(`${name} is set but no longer read: every read is answered from the database`);
    // Every commit made here or heard of wakes the feed and empties the credential cache (credential-cache.ts).
    const credentialCache = new CredentialCache(config.credentialCacheMs, db.embedded);
    const liveFeed = feed;
    const wake = () => {
      credentialCache.committed();
      liveFeed.wake();
    };
    listeners.push(wakeOnLocalCommits(db.orm, wake));
    // Other instances commit on the same server; the embedded database has no other instance.
    if (config.feedListen && !db.embedded) listeners.push(wakeOnNotify(db.clientUrl, log, wake, (connected) => credentialCache.listener(connected)));
    const personalDataAudit = new PersonalDataAudit(() => openDb.orm.em.fork(), log);
    const runtime: HubRuntime = { orm: db.orm, config, log, feed, sharing: new ResultSharing(), personalDataAudit, cursors, credentialCache };
    apollo = createApollo(
      schema,
      httpServer,
      log,
      { ...config.limits, maxPageSize: config.maxPageSize, trustedDocuments: config.trustedDocuments },
      { compilers: compiledRoots, enabled: config.compiledReads },
    );
    await apollo.start();
    const started = apollo;
    const startedFeed = feed;
    // Ready: the "starting" answers make way for the hub. The WebSocket server attaches after listen(): attached
    // earlier, it would also report a listen error, with a stack trace.
    ready();
    httpServer.on('request', createExpressApp(apollo, runtime));
    const ws = startWebSocket(httpServer, schema, runtime);
    stopHeadLog = await logAuditHead(() => openDb.orm.em.fork(), log);
    const port = (httpServer.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let stopped: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      port,
      db: openDb,
      bootstrap,
      feed: startedFeed,
      cursors,
      stop() {
        stopped ??= (async () => {
          await startedFeed.stop();
          await ws.dispose();
          await started.stop();
          await personalDataAudit.stop();
          stopHeadLog?.();
          await Promise.all(listeners.map((stop) => stop()));
          await openDb.close();
        })();
        return stopped;
      },
    };
  } catch (error) {
    stopHeadLog?.();
    await feed?.stop();
    await Promise.all(listeners.map((stop) => stop().catch(() => undefined)));
    await apollo?.stop().catch(() => undefined);
    httpServer.close();
    await db?.close().catch(() => undefined);
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new ConfigError(`PORT ${port} is in use on ${host}: stop what uses it or set PORT`));
      else if (error.code === 'EACCES') reject(new ConfigError(`PORT ${port} on ${host} needs privileges: choose a port above 1023`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new ConfigError(`HOST ${host} is not an address of this machine`));
      else if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') reject(new ConfigError(`HOST ${host} cannot be resolved`));
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
