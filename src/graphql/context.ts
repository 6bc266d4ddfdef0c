/**
 * The context of one GraphQL operation: an EntityManager fork, the caller and the services, made afresh for
 * each HTTP request and each WebSocket operation and never outliving it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { authenticate } from '../access/authenticate';
import type { CredentialCache } from '../access/credential-cache';
import type { Principal } from '../access/principal';
import type { HubConfig } from '../config';
import type { Orm } from '../db/orm';
import { caseLoaders } from '../modules/cases/case.loader';
import { CaseProgressService } from '../modules/cases/case-progress.service';
import { CaseService } from '../modules/cases/case.service';
import { enterpriseLoader } from '../modules/enterprises/enterprise.loader';
import { EnterpriseService } from '../modules/enterprises/enterprise.service';
import { riskEntryLoaders } from '../modules/risk-lists/risk-entry.loader';
import { rejectedRowLoaders } from '../modules/risk-lists/risk-publication-rejected';
import { RiskEntryService } from '../modules/risk-lists/risk-entry.service';
import { RiskPublicationService } from '../modules/risk-lists/risk-publication.service';
import { unitLoader } from '../modules/units/unit.loader';
import { CredentialService } from '../modules/units/credential.service';
import { UnitService } from '../modules/units/unit.service';
import { HubError } from '../errors';
import { ResolvedObjects } from './resolved-objects';
import { ChangeService } from '../feed/change.service';
import { AnalyticsService } from '../modules/analytics/analytics.service';
import { BulletinService } from '../modules/analytics/bulletin.service';
import { SubmissionStatusService } from '../modules/analytics/submission-status.service';
import { AuditTrailService } from '../modules/audit-trail/audit-trail.service';
import type { ChangeCursors } from '../change-log/cursor';
import type { Feed } from '../feed/feed';
import type { ResultSharing } from '../feed/result-sharing';
import { disclosedBy, type PersonalDataAudit } from './personal-data-audit';

/** What every operation's context is made from: the hub's database, settings, log and live feed. */
export interface HubRuntime {
  orm: Orm;
  config: HubConfig;
  log: Logger;
  feed: Feed;
  /** The shared results of the feed's subscriptions over WebSocket. */
  sharing: ResultSharing;
  /** The audit records of requests that let out unmasked personal data. */
  personalDataAudit: PersonalDataAudit;
  /** Seals and reads change-feed cursors with the key the database keeps. */
  cursors: ChangeCursors;
  /** Credentials looked up recently (CREDENTIAL_CACHE_MS). */
  credentialCache: CredentialCache;
}

/** A request's caller as authentication found it (a principal, or the refusal), with its fork. */
export interface Caller {
  em: EntityManager;
  found: Principal | HubError;
}

/** The context of one operation: its EntityManager, its caller, its services and DataLoaders, all made on first use. */
export class HubContext {
  private batched?: ReturnType<typeof createLoaders>;
  /** Services made on first use: a change delivered to a subscriber often needs none of them. */
  private readonly made = new Map<string, unknown>();
  private forked?: EntityManager;
  /** Set once the operation is known, for the request log. */
  operationName?: string;
  /** The enterprises whose unmasked personal data this operation returned (for its audit record). */
  readonly personalData = new Set<string>();
  private counted?: ResolvedObjects;

  private constructor(
    private readonly runtime: HubRuntime,
    /** The operation's EntityManager, or how to fork it on first use. */
    em: EntityManager | (() => EntityManager),
    private readonly caller: Principal | HubError,
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
    return this.service(
      'analytics',
      (em) =>
        new AnalyticsService(em, {
          timeZone: this.config.timeZone,
          statementTimeoutMs: this.config.analystStatementTimeoutMs,
          maxGroups: this.config.maxPageSize,
        }),
    );
  }

  get submissions(): SubmissionStatusService {
    return this.service('submissions', (em) => new SubmissionStatusService(em, this.config.analystStatementTimeoutMs));
  }

  get bulletins(): BulletinService {
    return this.service('bulletins', (em) => new BulletinService(em, this.config.timeZone, this.config.analystStatementTimeoutMs));
  }

  get auditTrail(): AuditTrailService {
    return this.service('auditTrail', (em) => new AuditTrailService(em));
  }

  get changes(): ChangeService {
    return this.service('changes', (em) => new ChangeService(em, this.runtime.cursors));
  }

  /** DataLoaders of this operation, made on first use (they need the caller). */
  get loaders(): ReturnType<typeof createLoaders> {
    this.batched ??= createLoaders(this);
    return this.batched;
  }

  /** What this operation (this delivery, for a subscription) has resolved: MAX_RESOLVED_OBJECTS (resolved-objects.ts). */
  get resolved(): ResolvedObjects {
    this.counted ??= new ResolvedObjects(this.runtime.config.limits.maxResolvedObjects);
    return this.counted;
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

  /** Change-feed cursors, sealed with the hub's key. */
  get cursors(): ChangeCursors {
    return this.runtime.cursors;
  }

  /** Authenticates `key` (a refusal is kept and thrown by the first field that needs a caller). */
  static async create(runtime: HubRuntime, key: string | undefined): Promise<HubContext> {
    return HubContext.of(runtime, await HubContext.authenticate(runtime, key));
  }

  /**
   * The one authentication statement of a request (none when the credential cache holds the key), on the
   * EntityManager fork the request will use: its caller, or the refusal saying why. HTTP runs it from the header
   * before the body is read (http/admission.ts) and hands the result to {@link of}, so a request still costs at
   * most one statement for it. Throws only when the database fails.
   */
  static async authenticate(runtime: HubRuntime, key: string | undefined): Promise<Caller> {
    const em = runtime.orm.em.fork();
    try {
      return { em, found: await authenticate(em, key, runtime.credentialCache) };
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      return { em, found: error };
    }
  }

  /** The context of a caller found by {@link authenticate}. */
  static of(runtime: HubRuntime, caller: Caller): HubContext {
    return new HubContext(runtime, caller.em, caller.found);
  }

  /**
   * A context with a new EntityManager fork, new DataLoaders and a new count of what it resolves (one change's
   * delivery), for the same caller or for `caller` — a subscription's caller as it is at that change (its unit's
   * kind may have changed since).
   */
  fresh(caller: Principal | HubError = this.caller): HubContext {
    return new HubContext(this.runtime, () => this.runtime.orm.em.fork(), caller);
  }

  /** The caller, or null when the request is refused (no exception, for plugins that only look). */
  get callerOrNull(): Principal | null {
    return this.caller instanceof HubError ? null : this.caller;
  }

  /** The audit records of personal data let out (personal-data-audit.ts). */
  get personalDataAudit(): PersonalDataAudit {
    return this.runtime.personalDataAudit;
  }

  /**
   * Called with this context's execution result (a fresh context's, for one change delivered): the personal data
   * it let out goes with the result to every subscriber the result is handed to.
   */
  settle<R extends object>(result: R): R {
    if (this.personalData.size) disclosedBy.set(result, this.personalData);
    return result;
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
    ...rejectedRowLoaders(context.em),
    ...caseLoaders(context.cases, context.caseProgress, context.principal),
  };
}
