/**
 * The context of one GraphQL operation: an EntityManager fork, the caller and the services, made afresh for
 * each HTTP request and each WebSocket operation and never outliving it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { authenticateAt, type Authenticated } from '../access/authenticate';
import type { Principal } from '../access/principal';
import type { HubConfig } from '../config';
import type { Orm } from '../db/orm';
import { caseLoaders } from '../modules/cases/case.loader';
import { CaseProgressService } from '../modules/cases/case-progress.service';
import { CaseService } from '../modules/cases/case.service';
import { enterpriseLoader } from '../modules/enterprises/enterprise.loader';
import { EnterpriseService } from '../modules/enterprises/enterprise.service';
import { riskEntryLoaders } from '../modules/risk-lists/risk-entry.loader';
import { RiskEntryService } from '../modules/risk-lists/risk-entry.service';
import { RiskPublicationService } from '../modules/risk-lists/risk-publication.service';
import { unitLoader } from '../modules/units/unit.loader';
import { CredentialService } from '../modules/units/credential.service';
import { UnitService } from '../modules/units/unit.service';
import { HubError } from './errors';
import { ChangeService } from '../feed/change.service';
import { AnalyticsService } from '../modules/analytics/analytics.service';
import { BulletinService } from '../modules/analytics/bulletin.service';
import { SubmissionStatusService } from '../modules/analytics/submission-status.service';
import type { Feed } from '../feed/feed';
import type { ResultSharing } from '../feed/result-sharing';

/** What every operation's context is made from: the hub's database, settings, log and live feed. */
export interface HubRuntime {
  orm: Orm;
  config: HubConfig;
  log: Logger;
  feed: Feed;
  /** The shared results of the feed's subscriptions over WebSocket. */
  sharing: ResultSharing;
}

/** A request's caller as authentication found it (a principal and its snapshot, or the refusal), with its fork. */
export interface Caller {
  em: EntityManager;
  found: Authenticated | HubError;
}

/** The context of one operation: its EntityManager, its caller, its services and DataLoaders, all made on first use. */
export class HubContext {
  private batched?: ReturnType<typeof createLoaders>;
  /** Services made on first use: a change delivered to a subscriber often needs none of them. */
  private readonly made = new Map<string, unknown>();
  private forked?: EntityManager;
  /** Set once the operation is known, for the request log. */
  operationName?: string;

  private constructor(
    private readonly runtime: HubRuntime,
    /** The operation's EntityManager, or how to fork it on first use. */
    em: EntityManager | (() => EntityManager),
    private readonly caller: Principal | HubError,
    /** The database snapshot seen while authenticating; null without a caller (see response-cache.ts). */
    readonly snapshot: string | null = null,
  ) {
    if (typeof em === 'function') this.fork = em;
    else this.forked = em;
  }

  private fork?: () => EntityManager;

  /** This operation's EntityManager fork. */
  get em(): EntityManager {
    this.forked ??= this.fork!();
    return this.forked;
  }

  private service<T>(name: string, make: (em: EntityManager) => T): T {
    let service = this.made.get(name) as T | undefined;
    if (service === undefined) this.made.set(name, (service = make(this.em)));
    return service;
  }

  get units(): UnitService {
    return this.service('units', (em) => new UnitService(em));
  }

  get credentials(): CredentialService {
    return this.service('credentials', (em) => new CredentialService(em));
  }

  get enterprises(): EnterpriseService {
    return this.service('enterprises', (em) => new EnterpriseService(em));
  }

  get riskEntries(): RiskEntryService {
    return this.service('riskEntries', (em) => new RiskEntryService(em));
  }

  get riskPublications(): RiskPublicationService {
    return this.service('riskPublications', (em) => new RiskPublicationService(em));
  }

  get cases(): CaseService {
    return this.service('cases', (em) => new CaseService(em, this.config.timeZone));
  }

  get caseProgress(): CaseProgressService {
    return this.service('caseProgress', (em) => new CaseProgressService(em, this.config.timeZone));
  }

  get analytics(): AnalyticsService {
    return this.service('analytics', (em) => new AnalyticsService(em, { timeZone: this.config.timeZone, statementTimeoutMs: this.config.analystStatementTimeoutMs, maxGroups: this.config.maxPageSize }));
  }

  get submissions(): SubmissionStatusService {
    return this.service('submissions', (em) => new SubmissionStatusService(em, this.config.analystStatementTimeoutMs));
  }

  get bulletins(): BulletinService {
    return this.service('bulletins', (em) => new BulletinService(em, this.config.timeZone, this.config.analystStatementTimeoutMs));
  }

  get changes(): ChangeService {
    return this.service('changes', (em) => new ChangeService(em));
  }

  /** DataLoaders of this operation, made on first use (they need the caller). */
  get loaders(): ReturnType<typeof createLoaders> {
    this.batched ??= createLoaders(this);
    return this.batched;
  }

  get config(): HubConfig {
    return this.runtime.config;
  }

  get log(): Logger {
    return this.runtime.log;
  }

  /** The live change feed of this hub instance. */
  get feed(): Feed {
    return this.runtime.feed;
  }

  /** Authenticates `key` (a refusal is kept and thrown by the first field that needs a caller). */
  static async create(runtime: HubRuntime, key: string | undefined): Promise<HubContext> {
    return HubContext.of(runtime, await HubContext.authenticate(runtime, key));
  }

  /**
   * The one authentication statement of a request, on the EntityManager fork the request will use: its caller,
   * or the refusal saying why. HTTP runs it from the header before the body is read (http/admission.ts) and
   * hands the result to {@link of}, so a request still costs one statement. Throws only when the database fails.
   */
  static async authenticate(runtime: HubRuntime, key: string | undefined): Promise<Caller> {
    const em = runtime.orm.em.fork();
    try {
      return { em, found: await authenticateAt(em, key) };
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      return { em, found: error };
    }
  }

  /** The context of a caller found by {@link authenticate}. */
  static of(runtime: HubRuntime, caller: Caller): HubContext {
    const { em, found } = caller;
    return found instanceof HubError ? new HubContext(runtime, em, found) : new HubContext(runtime, em, found.principal, found.snapshot);
  }

  /** A context for the same caller with a new EntityManager fork and new DataLoaders (one change's delivery). */
  fresh(): HubContext {
    return new HubContext(this.runtime, () => this.runtime.orm.em.fork(), this.caller, this.snapshot);
  }

  /** The caller, or null when the request is refused (no exception, for plugins that only look). */
  get callerOrNull(): Principal | null {
    return this.caller instanceof HubError ? null : this.caller;
  }

  /** The authenticated caller; UNAUTHENTICATED saying why when there is none. */
  get principal(): Principal {
    if (this.caller instanceof HubError) throw this.caller;
    return this.caller;
  }
}

function createLoaders(context: HubContext) {
  return {
    unit: unitLoader(context.em),
    enterprise: enterpriseLoader(context.enterprises, context.principal),
    ...riskEntryLoaders(context.riskEntries, context.principal),
    ...caseLoaders(context.cases, context.caseProgress, context.principal),
  };
}
