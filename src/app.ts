/**
 * Builds a hub (database, migrations, first-start bootstrap, schema, HTTP and WebSocket) and stops it.
 * `npm start`, the command line and the tests all start hubs through here.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import { ConfigError, type HubConfig } from './config';
import { startEmbedded, type EmbeddedDatabase } from './db/embedded';
import { applyMigrations, pendingMigrations } from './db/migrate';
import { openOrm, type Orm } from './db/orm';
import { declareSharedSession } from './db/sql';
import { withStartupLock } from './db/startup-lock';
import { createApollo } from './graphql/apollo';
import type { HubContext, HubRuntime } from './graphql/context';
import { Feed } from './feed/feed';
import { ResultSharing } from './feed/result-sharing';
import { wakeOnLocalCommits, wakeOnNotify, type StopListening } from './feed/notifier';
import { hubSchema } from './graphql/schema';
import { GRAPHQL_PATH, startWebSocket } from './graphql/websocket';
import { createExpressApp } from './http/express-app';
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
    const orm = await openOrm(clientUrl, config.poolSize, log);
    if (embedded) declareSharedSession(orm);
    return {
      orm,
      clientUrl,
      embedded: !!embedded,
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
 * Under the start-up lock: applies pending migrations (when `migrate`) and creates the office at first start.
 * Refuses to go on when migrations are pending and not to be applied.
 */
export async function prepareDatabase(db: Database, config: HubConfig, log: Logger, migrate: boolean): Promise<BootstrapResult> {
  return withStartupLock(db.clientUrl, async () => {
    if (migrate) {
      const applied = await applyMigrations(db.orm);
      if (applied.length) log.info({ applied }, 'migrations applied');
    } else {
      const pending = await pendingMigrations(db.orm);
      if (pending.length) {
        throw new ConfigError(`${pending.length} migration(s) pending and MIGRATE_ON_START is off: run "npm run migrate" first`);
      }
    }
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
  stop(): Promise<void>;
}

/**
 * Starts a hub. `onBootstrap` hears what the first-start bootstrap did as soon as it has committed, before the
 * hub listens: a key generated there must be shown even when listening then fails.
 */
export async function startHub(config: HubConfig, log: Logger, onBootstrap?: (result: BootstrapResult) => void): Promise<Hub> {
  const db = await openDatabase(config, log);
  let httpServer: Server | undefined;
  let apollo: ApolloServer<HubContext> | undefined;
  let feed: Feed | undefined;
  const listeners: StopListening[] = [];
  try {
    const bootstrap = await prepareDatabase(db, config, log, config.migrateOnStart);
    onBootstrap?.(bootstrap);
    const schema = await hubSchema();
    feed = new Feed(db.orm, log, {
      pollMs: config.feedPollMs,
      queueLimit: config.feedQueueLimit,
      stallMs: config.feedStallMs,
      batchSize: FEED_BATCH,
      recentLimit: FEED_RECENT,
    });
    await feed.start();
    const wake = feed.wake.bind(feed);
    listeners.push(wakeOnLocalCommits(db.orm, wake));
    // Other instances commit on the same server; the embedded database has no other instance.
    if (config.feedListen && !db.embedded) listeners.push(wakeOnNotify(db.clientUrl, log, wake));
    const runtime: HubRuntime = { orm: db.orm, config, log, feed, sharing: new ResultSharing() };
    httpServer = createHttpServer(config, log);
    apollo = createApollo(schema, httpServer, log, config.responseCacheSize, { ...config.limits, maxPageSize: config.maxPageSize, trustedDocuments: config.trustedDocuments });
    await apollo.start();
    const started = apollo;
    const startedFeed = feed;
    httpServer.on('request', createExpressApp(apollo, runtime));
    await listen(httpServer, config.port, config.host);
    // After listen: a WebSocket server attached earlier would also report a listen error, with a stack trace.
    const ws = startWebSocket(httpServer, schema, runtime);
    const port = (httpServer.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    let stopped: Promise<void> | undefined;
    return {
      url: `http://${host}:${port}${GRAPHQL_PATH}`,
      port,
      db,
      bootstrap,
      feed: startedFeed,
      stop() {
        stopped ??= (async () => {
          await startedFeed.stop();
          await ws.dispose();
          await started.stop();
          await Promise.all(listeners.map((stop) => stop()));
          await db.close();
        })();
        return stopped;
      },
    };
  } catch (error) {
    await feed?.stop();
    await Promise.all(listeners.map((stop) => stop().catch(() => undefined)));
    await apollo?.stop().catch(() => undefined);
    httpServer?.close();
    await db.close().catch(() => undefined);
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
