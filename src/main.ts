/**
 * The command line: `serve` (npm start), `migrate`, `unit add|list|update`, `credential issue|list|revoke`,
 * `schema` and, for developers, `migration:create`. Administration acts on the database directly as the
 * coordination office; every error ends in one line on stderr and exit code 1.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Principal } from './access/principal';
import { ALL_ROLES, parseRoles } from './access/roles';
import { openDatabase, prepareDatabase, startHub, type Database, type Hub } from './app';
import { ConfigError, loadConfig, type HubConfig } from './config';
import { migrateWithRoles } from './db/database-roles';
import { prepareAuditChain } from './audit/audit-chain';
import { verifyAuditTrail } from './audit/verify-command';
import { parseHead } from './audit/verify';
import { pendingMigrations } from './db/migrate';
import { withStartupLock } from './db/startup-lock';
import { HubError } from './errors';
import { printHubSchema } from './graphql/schema';
import { createLogger } from './logger';
import { DemoRefused, loadDemo } from './demo/load';
import type { BootstrapResult } from './modules/units/bootstrap';
import { CredentialService } from './modules/units/credential.service';
import { credentialStatus } from './access/credential-status';
import { parseUnitKind } from './access/unit-kind';
import { UnitService } from './modules/units/unit.service';

const USAGE = `usage: npm run hub -- <command>
  serve                                          start the hub (what npm start runs)
  migrate                                        apply pending migrations
  unit add --code C --kind K --name N --region R [--court-code 晋08]   admit a member unit (a court with its 法院代字)
  unit update --code C [--name N] [--kind K] [--region R] [--court-code 晋08|none] [--active true|false]
  unit list                                      list member units
  credential issue --unit C --roles R1,R2 [--expires 2027-01-01T00:00:00Z] [--label L]
  credential list --unit C                       a unit's keys (never the keys themselves)
  credential revoke --id ID                      revoke a key at once
  audit verify [--expect-head ID:LINK]           check the audit trail's chain; prints its head
  demo                                           fill an empty hub with a demo locality (运城)
  schema [--check]                               write (or check) schema/schema.graphql
  migration:create                               generate a migration from the entities (developers)`;

class UsageError extends Error {}

/** How long `serve` may take to stop after SIGINT/SIGTERM before it exits anyway. */
const STOP_DEADLINE_MS = 30_000;

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', sub, ...rest] = argv;
  if (command === 'help' || command === '--help') return void console.log(USAGE);
  if (command === 'schema') return schemaCommand([sub, ...rest].filter(Boolean) as string[]);
  const config = loadConfig();
  const log = createLogger(command === 'serve' || config.logLevelSet ? config.logLevel : 'warn');
  switch (command) {
    case 'serve':
      return serve(config, log);
    case 'migrate':
      return migrateCommand(config, log);
    case 'migration:create':
      return createMigration(config, log);
    case 'audit':
      return auditCommand(config, log, sub, rest);
    case 'demo':
      return withOffice(config, log, async (principal, db) => {
        const summary = await loadDemo(db.orm, principal, log, {
          enterprises: config.demoEnterprises,
          timeZone: config.timeZone,
          clientUrl: db.clientUrl,
          say: (line) => console.log(`fuyuan-hub: ${line}`),
        });
        console.log(
          `fuyuan-hub: demo locality loaded: ${summary.units} member units, ${summary.enterprises} enterprises, ${summary.entries} list entries, ${summary.cases} cases with ${summary.progress} progress entries`,
        );
      });
    case 'unit':
    case 'credential': {
      // Arguments are checked before the database is opened, so a typo changes nothing.
      const act = adminCommand(command, sub, rest);
      return withOffice(config, log, (principal, db) => act(principal, db.orm.em.fork()));
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function serve(config: HubConfig, log: Logger): Promise<void> {
  // The handlers are in place before start-up and stay for the process's life: a SIGTERM that arrives while
  // the hub starts, or a second one while it stops, must never kill it with the data folder still locked.
  // eslint-disable-next-line prefer-const -- assigned once start-up is done; the signal handlers read it before
  let hub: Hub | undefined;
  let stopRequested: string | undefined;
  const stop = () => {
    hub!.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (stopRequested) return void log.info({ signal }, 'already stopping');
    stopRequested = signal;
    log.info({ signal }, 'stopping');
    // A stop that hangs (a database that no longer answers) must not keep the process forever.
    setTimeout(() => {
      log.error({ seconds: STOP_DEADLINE_MS / 1000 }, 'could not stop in time: exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    if (hub) stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  hub = await startHub(config, log);
  // The hub serves: only now is a key the first start generated shown (a start that failed wrote nothing). It is
  // shown even when a stop was asked for meanwhile, since it exists from now on.
  printBootstrap(hub.bootstrap, config);
  if (stopRequested) return stop();
  log.info({ url: hub.url, database: hub.db.embedded ? `embedded (${config.dataDir})` : 'server' }, 'fuyuan-hub is ready');
  console.log(`fuyuan-hub: GraphQL over HTTP and WebSocket at ${hub.url}`);
}

async function migrateCommand(config: HubConfig, log: Logger): Promise<void> {
  const db = await openDatabase(config, log);
  try {
    const applied = await withStartupLock(db.clientUrl, async () => {
      const names = await migrateWithRoles(db.orm, config.databaseOwnerUrl, log, (note) => console.log(note));
      await prepareAuditChain(db.orm.em.fork(), db.auditKeys);
      return names;
    });
    console.log(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'no migration pending');
  } finally {
    await db.close();
  }
}

/** `audit verify [--expect-head ID:LINK]`: reads only; exit code 1 when the chain has a problem. */
async function auditCommand(config: HubConfig, log: Logger, sub: string | undefined, args: string[]): Promise<void> {
  if (sub !== 'verify') throw new UsageError(`unknown command "audit ${sub ?? ''}"`);
  const { values } = parseOptions(args, { 'expect-head': { type: 'string' } });
  const expected = values['expect-head'] === undefined ? undefined : parseHead(values['expect-head']);
  if (expected === null) throw new UsageError('--expect-head takes the head as audit verify printed it: <id>:<64 hex digits>');
  const db = await openDatabase(config, log);
  try {
    if ((await pendingMigrations(db.orm)).length)
      throw new ConfigError('migrations are pending: run "npm run migrate" first (audit verify only reads)');
    const { ok, lines } = await verifyAuditTrail(db.orm.em.fork(), db.auditKeys, expected);
    for (const line of lines) console.log(line);
    if (!ok) process.exitCode = 1;
  } finally {
    await db.close();
  }
}

/** Opens the database as `serve` would (migrating and bootstrapping as configured) and acts as the office. */
async function withOffice(config: HubConfig, log: Logger, work: (principal: Principal, db: Database) => Promise<void>): Promise<void> {
  const db = await openDatabase(config, log);
  try {
    const bootstrap = await prepareDatabase(db, config, log, config.migrateOnStart);
    printBootstrap(bootstrap, config);
    const office = await new UnitService(db.orm.em.fork()).office();
    if (!office) throw new ConfigError('the database has no coordination office');
    await work(Principal.commandLine(office), db);
  } finally {
    await db.close();
  }
}

function parseOptions<O extends Record<string, { type: 'string' }>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

type AdminAction = (principal: Principal, em: EntityManager) => Promise<void>;

/** Parses `unit …` and `credential …` into the act to run as the office; a usage error before anything runs. */
function adminCommand(command: string, sub: string | undefined, args: string[]): AdminAction {
  const { values } = parseOptions(args, {
    code: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string' },
    region: { type: 'string' },
    'court-code': { type: 'string' },
    active: { type: 'string' },
    unit: { type: 'string' },
    roles: { type: 'string' },
    expires: { type: 'string' },
    label: { type: 'string' },
    id: { type: 'string' },
  });
  const need = (name: keyof typeof values) => {
    const value = values[name];
    if (typeof value !== 'string' || !value.trim()) throw new UsageError(`${command} ${sub} needs --${name}`);
    return value;
  };
  const kind = (value: string | undefined) => {
    if (value === undefined) return undefined;
    const parsed = parseUnitKind(value);
    if (!parsed.ok) throw new UsageError(`--kind: ${parsed.message}`);
    return parsed.value;
  };
  // --court-code none clears a court's code (unit update); the code itself is checked by the service.
  const courtCode = values['court-code'] === undefined ? undefined : /^none$/i.test(values['court-code'].trim()) ? null : values['court-code'];
  const courtOf = (unit: { courtCode?: string | null }) => (unit.courtCode ? `, court code ${unit.courtCode}` : '');
  switch (`${command} ${sub}`) {
    case 'unit add': {
      const input = { code: need('code'), kind: kind(need('kind'))!, name: need('name'), regionCode: need('region'), courtCode };
      return async (principal, em) => {
        const unit = await new UnitService(em).create(principal, input);
        console.log(`unit ${unit.code} (${unit.kind}, ${unit.name}, ${unit.regionCode}${courtOf(unit)}) admitted, id ${unit.id}`);
      };
    }
    case 'unit update': {
      if (values.active !== undefined && !/^(true|false)$/i.test(values.active)) throw new UsageError('--active must be true or false');
      const active = values.active === undefined ? undefined : /^true$/i.test(values.active);
      const input = { code: need('code'), name: values.name, kind: kind(values.kind), regionCode: values.region, courtCode, active };
      return async (principal, em) => {
        const unit = await new UnitService(em).update(principal, input);
        console.log(`unit ${unit.code}: ${unit.name}, ${unit.kind}, ${unit.regionCode}${courtOf(unit)}, ${unit.active ? 'active' : 'deactivated'}`);
      };
    }
    case 'unit list':
      return async (principal, em) => {
        const page = await new UnitService(em).list(principal, {}, { first: 10_000 });
        for (const unit of page.nodes) {
          console.log(
            [
              unit.code,
              unit.kind,
              unit.regionCode,
              unit.courtCode ?? '',
              unit.active ? 'active' : 'deactivated',
              unit.isOffice ? 'office' : '',
              unit.name,
            ].join('\t'),
          );
        }
      };
    case 'credential issue': {
      const { roles, unknown } = parseRoles(need('roles').split(','));
      if (unknown.length) throw new UsageError(`unknown role(s): ${unknown.join(', ')}; roles are ${ALL_ROLES.join(', ')}`);
      const expiresAt = values.expires ? new Date(values.expires) : undefined;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new UsageError('--expires must be a date such as 2027-01-01T00:00:00Z');
      const input = { unit: need('unit'), roles, expiresAt, label: values.label };
      return async (principal, em) => {
        const issued = await new CredentialService(em).issue(principal, input);
        console.error(
          `credential ${issued.credential.id} issued to ${input.unit.toUpperCase()} with ${roles.join(',')}; the key follows and is not shown again:`,
        );
        console.log(issued.key);
      };
    }
    case 'credential list': {
      const unit = need('unit');
      return async (principal, em) => {
        for (const credential of await new CredentialService(em).list(principal, unit)) {
          console.log(
            [credential.id, `${credential.keyHint}…`, credential.roles.join(','), credentialStatus(credential), credential.label ?? ''].join('\t'),
          );
        }
      };
    }
    case 'credential revoke': {
      const id = need('id');
      return async (principal, em) => {
        const credential = await new CredentialService(em).revoke(principal, id);
        console.log(`credential ${credential.id} (${credential.keyHint}…) revoked at ${credential.revokedAt!.toISOString()}`);
      };
    }
    default:
      throw new UsageError(`unknown command "${command} ${sub ?? ''}"`);
  }
}

async function schemaCommand(args: string[]): Promise<void> {
  const file = path.resolve(__dirname, '../../schema/schema.graphql');
  const sdl = await printHubSchema();
  if (args.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== sdl) throw new ConfigError('schema/schema.graphql is out of date: run "npm run schema"');
    return void console.log('schema/schema.graphql is up to date');
  }
  fs.writeFileSync(file, sdl);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

async function createMigration(config: HubConfig, log: Logger): Promise<void> {
  const db = await openDatabase(config, log);
  try {
    await withStartupLock(db.clientUrl, () => migrateWithRoles(db.orm, config.databaseOwnerUrl, log));
    const migrator = db.orm.getMigrator();
    const result = await migrator.createMigration(path.resolve(__dirname, '../../migrations'));
    if (!result.fileName) return void console.log('the entities and the migrations agree: nothing to generate');
    console.log(`wrote migrations/${result.fileName}: review it and add it to migrations/index.ts`);
  } finally {
    await db.close();
  }
}

function printBootstrap(result: BootstrapResult, config: HubConfig): void {
  if (result.createdOffice) console.log(`fuyuan-hub: first start: created the coordination office ${config.office.code}`);
  if (result.registeredAdminKey) console.log('fuyuan-hub: HUB_ADMIN_KEY registered as an office credential with every role');
  if (!result.generatedKey) return;
  const line = '='.repeat(72);
  console.log(
    [
      line,
      `  The coordination office's key, holding every role. It is shown ONLY NOW;`,
      `  store it safely (it cannot be recovered, only revoked and replaced):`,
      '',
      `    ${result.generatedKey}`,
      '',
      `  Send it as the header:  Authorization: Bearer <key>`,
      line,
    ].join('\n'),
  );
}

/** One line that says what to fix, for the errors a person can fix. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError || error instanceof UsageError || error instanceof DemoRefused) return error.message;
  if (error instanceof HubError) return `${error.code}: ${error.message}`;
  const err = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `PostgreSQL refused the connection at ${err.address ?? '?'}:${err.port ?? '?'}: is the server running? check DATABASE_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the database host ${err.hostname ?? ''} in DATABASE_URL cannot be found`;
    case 'ETIMEDOUT':
      return 'the database in DATABASE_URL did not answer in time';
    case '28P01':
    case '28000':
      return 'PostgreSQL refused the user or password in DATABASE_URL';
    case '3D000':
      return 'the database named in DATABASE_URL does not exist: create it first';
    case '42501':
      return 'the user in DATABASE_URL (or DATABASE_OWNER_URL) lacks a privilege the hub needs: the owner creates tables and the pg_trgm extension, the runtime role needs the grants of README "Two database roles"';
  }
  if (err?.message?.includes('timeout exceeded when trying to connect') || err?.message?.includes('Connection terminated')) {
    return 'the database in DATABASE_URL did not answer in time';
  }
  return `unexpected error: ${err?.message ?? String(error)}`;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    const hint = error instanceof UsageError ? ' (npm run hub -- help lists the commands)' : '';
    console.error(`fuyuan-hub: ${describeError(error)}${hint}`);
    if (/^(debug|trace)$/.test(process.env.LOG_LEVEL?.trim() ?? '')) console.error(error);
    process.exit(1);
  });
}
