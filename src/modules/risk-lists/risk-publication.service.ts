/**
 * Publishing a risky-enterprise list (SNAPSHOT or DELTA): the hub's main write path. One transaction validates
 * nothing more (rows were checked before), stages the good rows, creates unknown enterprises, updates, adds and
 * withdraws entries set-based, records the publication, appends the changes to the change log and the audit
 * trail. An idempotency key makes a retry return the first answer.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Classification } from '../../access/classification';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { appendAudit } from '../../audit/audit.service';
import { executeBound, pgArray } from '../../db/sql';
import { ChangeLogWriter } from '../../change-log/change-log';
import { badInput, conflict, forbidden } from '../../errors';
import { toPage, type CursorShape, type Page, type PageRequest } from '../../db/keyset';
import { requiredText } from '../../input';
import { parseUnitCode } from '../../unit-code';
import { Unit } from '../units/unit.entity';
import { UnitService } from '../units/unit.service';
import { PUBLIC_REGIONS_SQL } from '../enterprises/enterprise.sql';
import { hashPayload } from './payload-hash';
import { bothPublishedAndWithdrawn, checkEntryRows, checkWithdrawals, type EntryRow, type RejectedRow } from './entry-rows';
import { riskEntryChangesSql } from './risk-entry.sql';
import {
  addNew,
  anyPublicationAtOrBefore,
  countActive,
  countPublications,
  createEnterprises,
  idempotencyLockName,
  listLockName,
  lockForTransaction,
  publicationPage,
  publicationWhere,
  stageRows,
  takeOverEnterprises,
  updateChanged,
  withdrawAbsent,
  withdrawNamed,
  type ListKey,
  type PublicationStamp,
} from './risk-publication.queries';
import { cursorRefused } from '../../db/keyset';
import { RiskPublication } from './risk-publication.entity';
import { InvalidRowPolicy, PERIOD_MAX, PublishMode, type PublicationFilter, type PublishInput, type PublishResult } from './risk-publication.inputs';

const KEY_MAX = 200;

/** Thrown inside the transaction to roll it back and answer `committed: false`. */
class NothingCommitted extends Error {
  constructor(readonly result: PublishResult) {
    super('nothing committed');
  }
}

/** A publication's checked rows and settings, ready to commit. */
interface CommitInput {
  input: PublishInput;
  publisher: Unit;
  idempotencyKey: string;
  period: string | null;
  payloadHash: string;
  good: EntryRow[];
  withdrawals: { index: number; uscc: string; reason: string }[];
  rejected: RejectedRow[];
  /** Rejected rows whose USCC is invalid, so that which enterprise they meant is unknown. */
  unidentified: number;
  policy: InvalidRowPolicy;
}

/** What a publication did to the list's entries. */
type Counts = Pick<PublishResult, 'added' | 'updated' | 'withdrawn' | 'unchanged'>;

export class RiskPublicationService {
  constructor(private readonly em: EntityManager) {}

  async publish(principal: Principal, input: PublishInput): Promise<PublishResult> {
    authorize(principal, 'publishRiskLists');
    const publisher = await this.publisherOf(principal, input.publisher);
    const idempotencyKey = requiredText(input.idempotencyKey, 'idempotencyKey', KEY_MAX);
    const period = input.period?.trim() ? requiredText(input.period, 'period', PERIOD_MAX) : null;
    const withdrawals = input.withdrawals ?? [];
    if (input.mode === PublishMode.SNAPSHOT && withdrawals.length) {
      throw badInput('withdrawals belong to DELTA publications: a SNAPSHOT withdraws what it leaves out', { field: 'withdrawals', rule: 'mode' });
    }
    if (input.mode === PublishMode.SNAPSHOT && !input.entries.length && !input.allowEmpty) {
      throw badInput('an empty SNAPSHOT withdraws the whole list: send allowEmpty: true to mean that', { field: 'entries', rule: 'allowEmpty' });
    }
    const classification = input.classification ?? Classification.SHARED;
    const sharedUnitCodes = await new UnitService(this.em).sharedUnitCodes(input.sharedWithUnits ?? []);
    const sharedKinds = [...new Set(input.sharedWithKinds ?? [])].sort();
    const payloadHash = hashPayload(input);

    const prior = await this.priorAnswer(principal, idempotencyKey, payloadHash);
    if (prior) return prior;

    const knownRegions = await this.knownRegions(input.entries.map((row) => row.uscc));
    const entries = checkEntryRows(input.entries, { listType: input.listType, classification, sharedUnitCodes, sharedKinds, knownRegions });
    const removals = checkWithdrawals(withdrawals, new Set(entries.good.map((row) => row.uscc)));
    // A USCC both published and withdrawn: the entry is refused too.
    const { contested } = removals;
    const good = entries.good.filter((row) => !contested.has(row.uscc));
    const rejected = [
      ...entries.rejected,
      ...entries.good
        .filter((row) => contested.has(row.uscc))
        .map((row) => ({ index: row.index, uscc: row.uscc, field: 'uscc', message: bothPublishedAndWithdrawn(row.uscc) })),
      ...removals.rejected,
    ];
    const policy = input.onInvalidRow ?? InvalidRowPolicy.REJECT_ALL;
    if (rejected.length && policy === InvalidRowPolicy.REJECT_ALL) return notCommitted(rejected);

    try {
      return await this.em.transactional((em) =>
        this.commit(em, principal, {
          input,
          publisher,
          idempotencyKey,
          period,
          payloadHash,
          good,
          withdrawals: removals.good,
          rejected,
          unidentified: entries.unidentified,
          policy,
        }),
      );
    } catch (error) {
      if (error instanceof NothingCommitted) return error.result;
      throw error;
    }
  }

  /**
   * The publication's steps, in their order, in the caller's transaction: wait for the key (idempotency) and the
   * list, stage the rows, take in their enterprises, update the changed, add the new, withdraw the absent (or the
   * named), record the publication, write the change log and the audit trail, commit the changes.
   */
  private async commit(em: EntityManager, principal: Principal, p: CommitInput): Promise<PublishResult> {
    const { input, publisher } = p;
    const list: ListKey = { publisherId: publisher.id, listType: input.listType };
    // Two calls with one key: the second waits here, then answers what the first committed.
    await lockForTransaction(em, idempotencyLockName(principal.unit.id, p.idempotencyKey));
    const prior = await this.priorAnswer(principal, p.idempotencyKey, p.payloadHash, em);
    if (prior) return prior;
    // One publication of a list at a time: a SNAPSHOT compares against a list nobody else is changing.
    await lockForTransaction(em, listLockName(list));

    const stamp: PublicationStamp = { publicationId: randomUUID(), period: p.period };
    const changes = new ChangeLogWriter(em, principal); // first: the history rows below record its transaction (their commit)
    await stageRows(em, p.good);
    const enterprises = await this.takeInEnterprises(em, publisher, p.good.length);
    const updated = await updateChanged(em, list, stamp, changes.txId);
    const added = await addNew(em, list, stamp);
    const { withdrawn, rejected } = await this.withdraw(em, list, stamp, p);
    const counts: Counts = { added, updated, withdrawn, unchanged: p.good.length - added - updated };

    const publication = await this.record(em, principal, p, stamp.publicationId, counts, rejected);
    await changes.appendSelect(riskEntryChangesSql('r.publication_id = ?'), [stamp.publicationId]);
    await appendAudit(em, principal, {
      action: 'riskList.publish',
      entityType: 'RiskPublication',
      entityId: stamp.publicationId,
      detail: {
        publisher: publisher.code,
        listType: input.listType,
        mode: input.mode,
        period: p.period,
        ...counts,
        rejected: rejected.length,
        ...enterprises,
      },
    });
    await changes.commit();
    return { committed: true, replayed: false, publication, ...counts, rejected };
  }

  /**
   * The enterprises the rows name (enterprises/enterprise.sql.ts): unknown ones are created, public when their row is
   * SHARED; a SHARED row makes a known one public; only market regulation's SHARED rows (the registry's keeper, also
   * when the office publishes for it) rename one. A RESTRICTED row's name and region stay on the row.
   */
  private async takeInEnterprises(
    em: EntityManager,
    publisher: Unit,
    staged: number,
  ): Promise<{ enterprisesCreated: number; enterprisesRenamed: number }> {
    const keeper = itemRules.renameEnterpriseFromList(publisher);
    const enterprisesCreated = await createEnterprises(em, keeper);
    // When every row's enterprise was created just now, no known one is left to make public or rename.
    const enterprisesRenamed = enterprisesCreated === staged ? 0 : await takeOverEnterprises(em, keeper);
    return { enterprisesCreated, enterprisesRenamed };
  }

  /**
   * What the publication takes off the list: a SNAPSHOT what it leaves out, a DELTA what it names. A named USCC
   * without an active entry is one more rejected row, and under REJECT_ALL rolls the publication back.
   */
  private async withdraw(
    em: EntityManager,
    list: ListKey,
    stamp: PublicationStamp,
    p: CommitInput,
  ): Promise<{ withdrawn: number; rejected: RejectedRow[] }> {
    const rejected = [...p.rejected];
    if (p.input.mode === PublishMode.SNAPSHOT && p.unidentified === 0) {
      return { withdrawn: await this.withdrawLeftOut(em, list, stamp, p.good.length, rejected), rejected };
    }
    if (!p.withdrawals.length) return { withdrawn: 0, rejected };
    const done = await withdrawNamed(em, list, stamp.publicationId, p.withdrawals);
    const found = new Set(done);
    const missing = p.withdrawals.filter((w) => !found.has(w.uscc));
    rejected.push(
      ...missing.map((w) => ({ index: w.index, uscc: w.uscc, field: 'withdrawals.uscc', message: `${w.uscc} has no active entry on this list` })),
    );
    if (missing.length && p.policy === InvalidRowPolicy.REJECT_ALL) throw new NothingCommitted(notCommitted(rejected));
    return { withdrawn: done.length, rejected };
  }

  /**
   * What the SNAPSHOT leaves out is withdrawn; a rejected row's enterprise keeps its entry. A row rejected for an
   * invalid USCC (possible only under SKIP) could mean any enterprise of the list, so such a SNAPSHOT withdraws
   * nothing at all and only commits its good rows (the caller does not come here): withdrawing "what is truly
   * absent" would guess. A SNAPSHOT whose rows were all rejected is no empty SNAPSHOT either: each rejected row still
   * keeps its enterprise's entry, and one with an invalid USCC keeps them all.
   */
  private async withdrawLeftOut(em: EntityManager, list: ListKey, stamp: PublicationStamp, staged: number, rejected: RejectedRow[]): Promise<number> {
    const keep = rejected.map((row) => row.uscc).filter((uscc): uscc is string => !!uscc);
    // Every staged row now has exactly one active entry (added, updated or unchanged): when the list has no more
    // active entries than that, nothing is absent, and the anti-join over the whole list is not needed (an
    // unchanged republication of 100,000 entries saves a quarter of a second).
    if ((await countActive(em, list)) <= staged) return 0;
    const reason = `not in the ${stamp.period ? `${stamp.period} ` : ''}SNAPSHOT of this list`;
    return withdrawAbsent(em, list, stamp.publicationId, reason, keep);
  }

  /** Records the publication, its counts and its rejected rows. */
  private async record(
    em: EntityManager,
    principal: Principal,
    p: CommitInput,
    publicationId: string,
    counts: Counts,
    rejected: RejectedRow[],
  ): Promise<RiskPublication> {
    const publication = em.create(RiskPublication, {
      id: publicationId,
      publisherUnitId: p.publisher.id,
      actingUnitId: principal.unit.id,
      credentialId: principal.credentialId,
      listType: p.input.listType,
      mode: p.input.mode,
      period: p.period,
      idempotencyKey: p.idempotencyKey,
      payloadHash: p.payloadHash,
      entryCount: p.input.entries.length,
      ...counts,
      rejected,
      // publishedAt is left to the column's default, now(): the transaction's time, as the entries' published_at
      // above, so the database's clock orders publications and a publication's time equals that of the entries it
      // wrote. The insert reads it back (RETURNING).
    });
    await em.flush();
    return publication;
  }

  /** A page of publications is in (published_at, id) order, newest first: its cursor holds the time and the id. */
  static readonly CURSOR: CursorShape = ['time', 'uuid'];

  /** Publications, newest first: the caller's own unit's, or every unit's for the office. */
  async list(principal: Principal, filter: PublicationFilter, page: PageRequest): Promise<Page<RiskPublication>> {
    authorize(principal, 'readRiskLists');
    const publisherUnitIds = itemRules.seeEveryUnit(principal) ? [] : [principal.unit.id];
    if (filter.publisher) {
      const unit = await this.em.findOne(Unit, { code: parseUnitCode(filter.publisher).ok ? filter.publisher.trim().toUpperCase() : '' });
      publisherUnitIds.push(unit?.id ?? '00000000-0000-0000-0000-000000000000');
    }
    const condition = publicationWhere({ publisherUnitIds, listTypes: filter.listTypes, period: filter.period?.trim() });
    const rows = await publicationPage(this.em, condition, page.after, page.first + 1).catch(cursorRefused(page));
    // Without the rejected rows (up to a publication's every row): RiskPublication.rejected reads what it shows.
    const publications = (await this.em.find(
      RiskPublication,
      { id: { $in: rows.map((row) => row.id) } },
      { exclude: ['rejected'] },
    )) as RiskPublication[];
    const byId = new Map(publications.map((pub) => [pub.id, pub]));
    const sortKeys = new Map(rows.map((row) => [row.id, row.sortKey]));
    return toPage(
      rows.map((row) => byId.get(row.id)!),
      page,
      (pub) => [sortKeys.get(pub.id)!, pub.id],
      () => countPublications(this.em, condition),
      (key) => anyPublicationAtOrBefore(this.em, condition, key),
    );
  }

  /** The unit whose list is published: the caller's own, or for the office the unit it names. */
  private async publisherOf(principal: Principal, code: string | null | undefined): Promise<Unit> {
    if (code == null || code.trim().toUpperCase() === principal.unit.code) {
      return this.em.findOneOrFail(Unit, { id: principal.unit.id });
    }
    if (!itemRules.actForUnit(principal, { code: code.trim().toUpperCase() })) {
      throw forbidden('only the coordination office may publish for another unit (publisher)');
    }
    const parsed = parseUnitCode(code);
    const unit = parsed.ok ? await this.em.findOne(Unit, { code: parsed.value }) : null;
    if (!unit) throw badInput(`publisher: no unit with code ${code}`, { field: 'publisher', rule: 'unit' });
    if (!unit.active) throw badInput(`publisher: unit ${unit.code} is deactivated`, { field: 'publisher', rule: 'active' });
    return unit;
  }

  private async knownRegions(usccs: string[]): Promise<Map<string, string>> {
    const codes = [...new Set(usccs.filter((u) => typeof u === 'string').map((u) => u.trim().toUpperCase()))];
    if (!codes.length) return new Map();
    const { rows } = await executeBound<{ uscc: string; region_code: string }>(this.em, PUBLIC_REGIONS_SQL, [pgArray(codes)]);
    return new Map(rows.map((row) => [row.uscc, row.region_code]));
  }

  /** The stored answer for this key, CONFLICT when the key was used with another payload, or null. */
  private async priorAnswer(principal: Principal, key: string, payloadHash: string, em = this.em): Promise<PublishResult | null> {
    const prior = await em.findOne(RiskPublication, { actingUnitId: principal.unit.id, idempotencyKey: key }, { disableIdentityMap: true });
    if (!prior) return null;
    if (prior.payloadHash !== payloadHash) {
      throw conflict(`idempotencyKey "${key}" was used ${prior.publishedAt.toISOString()} for a different publication`, { publicationId: prior.id });
    }
    const { added, updated, withdrawn, unchanged, rejected } = prior;
    return { committed: true, replayed: true, publication: prior, added, updated, withdrawn, unchanged, rejected };
  }
}

function notCommitted(rejected: RejectedRow[]): PublishResult {
  return { committed: false, replayed: false, publication: null, added: 0, updated: 0, withdrawn: 0, unchanged: 0, rejected };
}
