/**
 * The ORM: @mikro-orm/postgresql on the PostgreSQL server of DATABASE_URL or on the embedded one, through the
 * same driver and the same migrations. The hub never creates a database: creating one is the operator's act, and a
 * typo in DATABASE_URL must not start an empty hub with a new office and a new key.
 */
import { MikroORM, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { migrationsList } from '../../migrations';
import { ConfigError } from '../config';

export type Orm = MikroORM<PostgreSqlDriver>;

/** The entities an ORM maps: every entity of the hub (src/entities.ts), handed down by whoever opens it. */
export type Entities = NonNullable<Options<PostgreSqlDriver>['entities']>;

export function ormOptions(clientUrl: string, poolSize: number, entities: Entities, log?: Logger): Options<PostgreSqlDriver> {
  return {
    driver: PostgreSqlDriver,
    clientUrl,
    entities,
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    driverOptions: {
      // A stuck connection attempt is reported instead of hanging start-up.
      connection: { connectionTimeoutMillis: 10_000 },
      // The query builder's own messages (e.g. a pooled connection the server ended) go to the hub's log, not stdout.
      log: {
        warn: (message: unknown) => log?.warn({ orm: true }, String(message)),
        error: (message: unknown) => log?.warn({ orm: true }, String(message)),
        deprecate: (message: unknown) => log?.debug({ orm: true }, String(message)),
        debug: (message: unknown) => log?.debug({ orm: true }, String(message)),
      },
    },
    forceUtcTimezone: true,
    // MikroORM would otherwise create a database that does not exist (at connect and before migrating).
    ensureDatabase: false,
    allowGlobalContext: false,
    discovery: { disableDynamicFileAccess: true },
    colors: false,
    debug: log?.isLevelEnabled('trace') ? ['query'] : false,
    logger: (message) => log?.trace({ orm: true }, message),
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  };
}

/**
 * Connects, and fails with the driver's own error when the server cannot be reached, or with one line naming the
 * database when the server has none of that name.
 */
export async function openOrm(clientUrl: string, poolSize: number, entities: Entities, log?: Logger): Promise<Orm> {
  const orm = await MikroORM.init<PostgreSqlDriver>(ormOptions(clientUrl, poolSize, entities, log));
  const check = await orm.checkConnection();
  if (!check.ok) {
    await orm.close(true);
    if ((check.error as { code?: string } | undefined)?.code === '3D000') throw missingDatabase(clientUrl);
    throw check.error ?? new Error(check.reason);
  }
  return orm;
}

function missingDatabase(clientUrl: string): ConfigError {
  const url = new URL(clientUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || url.username;
  return new ConfigError(
    `the database "${name}" named in DATABASE_URL does not exist on ${url.host}: check the name, or create it first (createdb ${name}); the hub does not create databases`,
  );
}
