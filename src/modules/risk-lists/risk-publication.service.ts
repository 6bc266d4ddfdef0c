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
import { anyRowSql, keysetConditions, toPage, type CursorShape, type Page, type PageRequest } from '../../db/keyset';
import { requiredText } from '../../input';
import { parseUnitCode } from '../../unit-code';
import { Unit } from '../units/unit.entity';
import { UnitService } from '../units/unit.service';
import { enterprisesCreatedSql, enterprisesTakenOverSql, PUBLIC_REGIONS_SQL } from '../enterprises/enterprise.sql';
import { hashPayload } from './payload-hash';
import { bothPublishedAndWithdrawn, checkEntryRows, checkWithdrawals, type EntryRow, type RejectedRow } from './entry-rows';
import { riskEntryChangesSql } from './risk-entry.sql';
import { cursorRefused } from '../../db/keyset';
import { RiskPublication } from './risk-publication.entity';
import { InvalidRowPolicy, PERIOD_MAX, PublishMode, type PublicationFilter, type PublishInput, type PublishResult } from './risk-publication.inputs';

/** Rows staged per statement: well under PostgreSQL's limits, and a JSON parameter of a few MB (memory). */
const STAGE_CHUNK = 5_000;
const KEY_MAX = 200;

/** Thrown inside the transaction to roll it back and answer `committed: false`. */
class NothingCommitted extends Error {
  constructor(readonly result: PublishResult) {
    super('nothing committed');
  }
}

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

  private async commit(
    em: EntityManager,
    principal: Principal,
    p: {
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
    },
  ): Promise<PublishResult> {
    const { input, publisher } = p;
    // Two calls with one key: the second waits here, then answers what the first committed.
    await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`fyh:publish:${principal.unit.id}:${p.idempotencyKey}`]);
    const prior = await this.priorAnswer(principal, p.idempotencyKey, p.payloadHash, em);
    if (prior) return prior;
    // One publication of a list at a time: a SNAPSHOT compares against a list nobody else is changing.
    await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`fyh:list:${publisher.id}:${input.listType}`]);

    const publicationId = randomUUID();
    const changes = new ChangeLogWriter(em, principal); // first: the history rows below record its transaction (their commit)
    const list = [publisher.id, input.listType];
    await em.execute(`create temp table risk_staging (
      idx int, uscc varchar(18), enterprise_name text, region_code varchar(6), risk_level smallint, categories text[],
      amount numeric(18,2), effective_date date, remarks text, details jsonb, classification text,
      shared_unit_codes text[], shared_kinds text[], content_hash text) on commit drop`);
    for (let start = 0; start < p.good.length; start += STAGE_CHUNK) {
      const chunk = p.good.slice(start, start + STAGE_CHUNK).map((row) => ({
        idx: row.index,
        uscc: row.uscc,
        enterprise_name: row.enterpriseName,
        region_code: row.regionCode,
        risk_level: row.riskLevel,
        categories: row.categories,
        amount: row.amount,
        effective_date: row.effectiveDate,
        remarks: row.remarks,
        details: row.details,
        classification: row.classification,
        shared_unit_codes: row.sharedUnitCodes,
        shared_kinds: row.sharedKinds,
      }));
      // Bound, not written into the SQL text: the chunk is megabytes of JSON (see executeBound). The content hash
      // decides "unchanged": level, categories, amount, effective date, remarks, details and sharing, not the
      // period. It is taken over the values as PostgreSQL stores them (jsonb sorts keys, numerics and dates
      // print canonically), so equal content always hashes alike, whatever the order or spelling it came in.
      await executeBound(
        em,
        `insert into risk_staging
         select r.*, encode(sha256(convert_to(jsonb_build_array(r.risk_level, r.categories, r.amount, r.effective_date,
           r.remarks, r.details, r.classification, r.shared_unit_codes, r.shared_kinds)::text, 'UTF8')), 'hex')
         from jsonb_to_recordset(?::jsonb) as r(
          idx int, uscc varchar(18), enterprise_name text, region_code varchar(6), risk_level smallint, categories text[],
          amount numeric(18,2), effective_date date, remarks text, details jsonb, classification text,
          shared_unit_codes text[], shared_kinds text[])`,
        [JSON.stringify(chunk)],
      );
    }
    await em.execute('create unique index on risk_staging (uscc)');
    // Row counts and distinct values are what the plans below need, not fine histograms: a small sample.
    await em.execute('set local default_statistics_target = 10');
    await em.execute('analyze risk_staging');

    // The enterprises the rows name (enterprises/enterprise.sql.ts): unknown ones are created, public when their row is
    // SHARED; a SHARED row makes a known one public; only market regulation's SHARED rows (the registry's keeper, also
    // when the office publishes for it) rename one. A RESTRICTED row's name and region stay on the row.
    const keeper = itemRules.renameEnterpriseFromList(publisher);
    const enterprisesCreated = await this.affected(em, enterprisesCreatedSql('risk_staging', keeper), []);
    // When every row's enterprise was created just now, no known one is left to make public or rename.
    const enterprisesRenamed =
      enterprisesCreated === p.good.length ? 0 : await this.affected(em, enterprisesTakenOverSql('risk_staging', keeper), []);

    // Updates, in one statement: the entries whose content changed are updated, and their earlier content goes to
    // the history. The insert reads risk_entry as it was before the update (all parts of a statement share one
    // snapshot), so each history row holds the version being replaced; one join of the list instead of two.
    const updated = await this.affected(
      em,
      `with changed as (
         update risk_entry r set enterprise_name = s.enterprise_name, region_code = s.region_code, risk_level = s.risk_level,
           categories = s.categories, amount = s.amount, effective_date = s.effective_date, remarks = s.remarks,
           details = s.details, classification = s.classification, shared_unit_codes = s.shared_unit_codes,
           shared_kinds = s.shared_kinds, content_hash = s.content_hash, version = r.version + 1, period = ?,
           published_at = now(), publication_id = ?
         from risk_staging s
         where r.uscc = s.uscc and r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE' and r.content_hash <> s.content_hash
         returning r.id)
       insert into risk_entry_version (entry_id, version, enterprise_name, region_code, risk_level, categories, amount,
         effective_date, remarks, details, classification, shared_unit_codes, shared_kinds, period, published_at,
         superseded_at, publication_id, change_tx_id)
       select o.id, o.version, o.enterprise_name, o.region_code, o.risk_level, o.categories, o.amount, o.effective_date,
         o.remarks, o.details, o.classification, o.shared_unit_codes, o.shared_kinds, o.period, o.published_at, now(), o.publication_id, ?
       from risk_entry o join changed c on c.id = o.id`,
      [p.period, publicationId, ...list, changes.txId],
    );
    const added = await this.affected(
      em,
      `insert into risk_entry (id, publisher_unit_id, list_type, uscc, enterprise_name, region_code, risk_level, categories,
         amount, effective_date, remarks, details, classification, shared_unit_codes, shared_kinds, status, content_hash,
         version, period, first_published_at, published_at, publication_id)
       select gen_random_uuid(), ?, ?, s.uscc, s.enterprise_name, s.region_code, s.risk_level, s.categories, s.amount,
         s.effective_date, s.remarks, s.details, s.classification, s.shared_unit_codes, s.shared_kinds, 'ACTIVE',
         s.content_hash, 1, ?, now(), now(), ?
       from risk_staging s
       where not exists (select 1 from risk_entry r where r.publisher_unit_id = ? and r.list_type = ? and r.uscc = s.uscc and r.status = 'ACTIVE')`,
      [...list, p.period, publicationId, ...list],
    );

    let withdrawn = 0;
    const rejected = [...p.rejected];
    if (input.mode === PublishMode.SNAPSHOT && p.unidentified === 0) {
      // What the SNAPSHOT leaves out is withdrawn; a rejected row's enterprise keeps its entry. A row rejected for
      // an invalid USCC (possible only under SKIP) could mean any enterprise of the list, so such a SNAPSHOT
      // withdraws nothing at all and only commits its good rows: withdrawing "what is truly absent" would guess.
      // A SNAPSHOT whose rows were all rejected is no empty SNAPSHOT either: each rejected row still keeps its
      // enterprise's entry, and one with an invalid USCC keeps them all.
      const keep = rejected.map((row) => row.uscc).filter((uscc): uscc is string => !!uscc);
      // Every staged row now has exactly one active entry (added, updated or unchanged): when the list has no more
      // active entries than that, nothing is absent, and the anti-join over the whole list below is not needed
      // (an unchanged republication of 100,000 entries saves a quarter of a second).
      const [{ active }] = await em.execute<{ active: number }[]>(
        `select count(*)::int as active from risk_entry r where r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE'`,
        list,
      );
      if (active > p.good.length)
        withdrawn = await this.affected(
          em,
          `update risk_entry r set status = 'WITHDRAWN', withdrawn_at = now(), withdrawal_reason = ?, publication_id = ?
         where r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE'
           and r.publication_id is distinct from ? -- added or updated just now: in the SNAPSHOT by definition
           and not exists (select 1 from risk_staging s where s.uscc = r.uscc) and not (r.uscc = any(?::text[]))`,
          [`not in the ${p.period ? `${p.period} ` : ''}SNAPSHOT of this list`, publicationId, ...list, publicationId, pgArray(keep)],
        );
    } else if (p.withdrawals.length) {
      const done = await em.execute<{ uscc: string }[]>(
        `update risk_entry r set status = 'WITHDRAWN', withdrawn_at = now(), withdrawal_reason = w.reason, publication_id = ?
         from jsonb_to_recordset(?::jsonb) as w(uscc varchar(18), reason text)
         where r.uscc = w.uscc and r.publisher_unit_id = ? and r.list_type = ? and r.status = 'ACTIVE'
         returning r.uscc`,
        [publicationId, JSON.stringify(p.withdrawals.map(({ uscc, reason }) => ({ uscc, reason }))), ...list],
      );
      withdrawn = done.length;
      const found = new Set(done.map((row) => row.uscc));
      const missing = p.withdrawals.filter((w) => !found.has(w.uscc));
      rejected.push(
        ...missing.map((w) => ({ index: w.index, uscc: w.uscc, field: 'withdrawals.uscc', message: `${w.uscc} has no active entry on this list` })),
      );
      if (missing.length && p.policy === InvalidRowPolicy.REJECT_ALL) throw new NothingCommitted(notCommitted(rejected));
    }

    const unchanged = p.good.length - added - updated;
    const publication = em.create(RiskPublication, {
      id: publicationId,
      publisherUnitId: publisher.id,
      actingUnitId: principal.unit.id,
      credentialId: principal.credentialId,
      listType: input.listType,
      mode: input.mode,
      period: p.period,
      idempotencyKey: p.idempotencyKey,
      payloadHash: p.payloadHash,
      entryCount: input.entries.length,
      added,
      updated,
      withdrawn,
      unchanged,
      rejected,
      // publishedAt is left to the column's default, now(): the transaction's time, as the entries' published_at
      // above, so the database's clock orders publications and a publication's time equals that of the entries it
      // wrote. The insert reads it back (RETURNING).
    });
    await em.flush();

    await changes.appendSelect(riskEntryChangesSql('r.publication_id = ?'), [publicationId]);
    await appendAudit(em, principal, {
      action: 'riskList.publish',
      entityType: 'RiskPublication',
      entityId: publicationId,
      detail: {
        publisher: publisher.code,
        listType: input.listType,
        mode: input.mode,
        period: p.period,
        added,
        updated,
        withdrawn,
        unchanged,
        rejected: rejected.length,
        enterprisesCreated,
        enterprisesRenamed,
      },
    });
    await changes.commit();
    return { committed: true, replayed: false, publication, added, updated, withdrawn, unchanged, rejected };
  }

  /** Publications, newest first: the caller's own unit's, or every unit's for the office. */
  /** A page of publications is in (published_at, id) order, newest first: its cursor holds the time and the id. */
  static readonly CURSOR: CursorShape = ['time', 'uuid'];

  async list(principal: Principal, filter: PublicationFilter, page: PageRequest): Promise<Page<RiskPublication>> {
    authorize(principal, 'readRiskLists');
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (!itemRules.seeEveryUnit(principal)) {
      conditions.push('p.publisher_unit_id = ?');
      params.push(principal.unit.id);
    }
    if (filter.publisher) {
      const unit = await this.em.findOne(Unit, { code: parseUnitCode(filter.publisher).ok ? filter.publisher.trim().toUpperCase() : '' });
      conditions.push('p.publisher_unit_id = ?');
      params.push(unit?.id ?? '00000000-0000-0000-0000-000000000000');
    }
    if (filter.listTypes?.length) {
      conditions.push('p.list_type = any(?::text[])');
      params.push(pgArray(filter.listTypes));
    }
    if (filter.period?.trim()) {
      conditions.push('p.period = ?');
      params.push(filter.period.trim());
    }
    const where = conditions.length ? conditions.join(' and ') : 'true';
    const keyset = keysetConditions('p.published_at, p.id', '?::timestamptz, ?::uuid', true);
    const after = page.after ? ` and ${keyset.after}` : '';
    // The sort key comes back as text: a JS Date would cut PostgreSQL's microseconds off the cursor.
    const rows = await this.em
      .execute<{ id: string; sortKey: string }[]>(
        `select p.id, p.published_at::text as "sortKey" from risk_publication p where ${where}${after}
       order by p.published_at desc, p.id desc limit ?`,
        [...params, ...(page.after ?? []), page.first + 1],
      )
      .catch(cursorRefused(page));
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
      async () => {
        const [count] = await this.em.execute<{ n: string }[]>(`select count(*) as n from risk_publication p where ${where}`, params);
        return Number(count.n);
      },
      async (key) =>
        (await this.em.execute<{ found: boolean }[]>(anyRowSql(`risk_publication p where ${where} and ${keyset.atOrBefore}`), [...params, ...key]))[0]
          .found,
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

  private async affected(em: EntityManager, sql: string, params: unknown[]): Promise<number> {
    const result = await em.execute<{ affectedRows?: number }>(sql, params, 'run');
    return Number(result.affectedRows ?? 0);
  }
}

function notCommitted(rejected: RejectedRow[]): PublishResult {
  return { committed: false, replayed: false, publication: null, added: 0, updated: 0, withdrawn: 0, unchanged: 0, rejected };
}
