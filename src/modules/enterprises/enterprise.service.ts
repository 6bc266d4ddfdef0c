/**
 * Enterprises keyed by USCC: looked up and listed by every unit with READ under the enterprise visibility rule
 * (access/visibility: public ones for everyone, one known only from RESTRICTED rows for those who may read such a
 * row, personal data masked), registered or corrected by the office — the registration makes it public.
 */
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { enterpriseView, mentionFromJson, type EnterpriseView } from '../../access/visibility';
import { appendAudit } from '../../audit/audit.service';
import { pgArray, queryPrepared } from '../../db/sql';
import { badInput } from '../../errors';
import { anyRowSql, toPage, type CursorShape, type Page, type PageRequest } from '../../db/keyset';
import { optionalText, requiredText, ruleValue } from '../../input';
import { Enterprise } from './enterprise.entity';
import { ENTERPRISE_NAMED_BY_ROW_SQL, enterpriseFilterSql, enterprisesSql, PUBLIC_REGIONS_SQL, type EnterpriseSqlRow } from './enterprise.sql';
import { parseIdNumber, parsePhone } from './personal-data';
import { parseRegionCode, parseRegionPrefix } from '../../region';
import { parseUscc, usccDivision } from './uscc';

export interface EnterpriseFilter {
  /** A fragment of the name, matched anywhere, case-insensitively. */
  nameContains?: string | null;
  /** 2, 4 or 6 digits of GB/T 2260. */
  regionPrefix?: string | null;
  industry?: string | null;
}

/** Register or correct: omitted fields keep their value, null clears an optional one. */
export interface RegisterEnterpriseInput {
  uscc: string;
  name?: string | null;
  regionCode?: string | null;
  industry?: string | null;
  legalRepresentative?: string | null;
  legalRepresentativeIdNumber?: string | null;
  contactPhone?: string | null;
}

export interface RegisteredEnterprise {
  enterprise: EnterpriseView;
  created: boolean;
}

const PERSONAL_FIELDS = new Set(['legalRepresentativeIdNumber', 'contactPhone']);

/** The view of a row of {@link enterprisesSql} for the caller, or null where it may not know the enterprise. */
function viewOf(principal: Principal, row: EnterpriseSqlRow): EnterpriseView | null {
  const record = { ...row, publicSince: row.publicSince ? new Date(row.publicSince) : null, updatedAt: new Date(row.updatedAt) };
  return enterpriseView(principal, record, mentionFromJson(row.mention));
}

export class EnterpriseService {
  constructor(private readonly em: EntityManager) {}

  /** The enterprise, or null when the hub does not know it or the caller may not (the same answer). */
  async get(principal: Principal, uscc: string): Promise<EnterpriseView | null> {
    authorize(principal, 'readEnterprises');
    const [view] = await this.byUsccs(principal, [ruleValue(parseUscc(uscc), 'uscc')]);
    return view;
  }

  /**
   * Enterprises by USCC in the order asked, null where unknown or not visible to the caller (for the per-request
   * DataLoader): one statement, a hot path of nested reads, so off the ORM and prepared.
   */
  async byUsccs(principal: Principal, usccs: readonly string[]): Promise<(EnterpriseView | null)[]> {
    const { sql, params } = enterprisesSql(principal, 'e.uscc = any(?::text[])');
    const rows = await queryPrepared<EnterpriseSqlRow>(this.em, sql, [...params, pgArray(usccs)]);
    const byUscc = new Map(rows.map((row) => [row.uscc, viewOf(principal, row)]));
    return usccs.map((uscc) => byUscc.get(uscc) ?? null);
  }

  /** Enterprises are paged by USCC: a cursor holds the USCC. */
  static readonly CURSOR: CursorShape = ['text'];

  /** The enterprises the caller may know, filtered, by USCC; the same rule counts them. */
  async list(principal: Principal, filter: EnterpriseFilter, page: PageRequest): Promise<Page<EnterpriseView>> {
    authorize(principal, 'readEnterprises');
    const fragment = filter.nameContains?.trim();
    const { where, params } = enterpriseFilterSql(principal, {
      nameLike: fragment ? `%${escapeLike(fragment)}%` : undefined,
      regionLike: filter.regionPrefix != null ? `${ruleValue(parseRegionPrefix(filter.regionPrefix), 'regionPrefix')}%` : undefined,
      industry: filter.industry?.trim() || undefined,
    });
    const after = page.after ? ' and e.uscc > ?' : '';
    const select = enterprisesSql(principal, `${where}${after} order by e.uscc limit ?`);
    const rows = await queryPrepared<EnterpriseSqlRow>(this.em, select.sql, [
      ...select.params,
      ...params,
      ...(page.after ? [String(page.after[0])] : []),
      page.first + 1,
    ]);
    return toPage(
      rows.map((row) => viewOf(principal, row)).filter((view): view is EnterpriseView => view !== null),
      page,
      (view) => [view.uscc],
      async () => {
        const [count] = await queryPrepared<{ n: string }>(this.em, `select count(*) as n from enterprise e where ${where}`, params);
        return Number(count.n);
      },
      async ([key]) =>
        (await queryPrepared<{ found: boolean }>(this.em, anyRowSql(`enterprise e where ${where} and e.uscc <= ?`), [...params, key]))[0].found,
    );
  }

  async register(principal: Principal, input: RegisterEnterpriseInput): Promise<RegisteredEnterprise> {
    authorize(principal, 'registerEnterprises');
    const uscc = ruleValue(parseUscc(input.uscc), 'uscc');
    const changes = checkChanges(input);
    try {
      return await this.registerOnce(principal, uscc, changes);
    } catch (error) {
      // Another request registered the same new enterprise at the same moment: this one is then a correction.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      return this.registerOnce(principal, uscc, changes);
    }
  }

  private registerOnce(principal: Principal, uscc: string, changes: EnterpriseChanges): Promise<RegisteredEnterprise> {
    return this.em.transactional(async (em) => {
      const existing = await em.findOne(Enterprise, { uscc }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // One known only from RESTRICTED rows is new to the registry: its stored name and region are such a row's, which
      // the registration must not make public, so it needs a name and takes the default region unless given one.
      const registered = existing?.publicSince != null ? existing : null;
      if (registered && changes.regionCode === null) {
        throw badInput('regionCode cannot be cleared', { field: 'regionCode', rule: 'required' });
      }
      if (!registered && changes.name == null) {
        throw badInput('name is required to register a new enterprise', { field: 'name', rule: 'required' });
      }
      const before: Record<string, unknown> = registered ? { ...registered } : {};
      let enterprise: Enterprise;
      if (registered) enterprise = registered;
      else {
        const facts = { name: changes.name!, regionCode: changes.regionCode ?? defaultRegion(uscc), publicSince: new Date() };
        enterprise = existing ? Object.assign(existing, facts) : em.create(Enterprise, { uscc, ...facts });
      }
      const record = enterprise as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(changes)) {
        if (value !== undefined && !(field === 'regionCode' && value === null)) record[field] = value;
      }
      const changed = REGISTRY_FIELDS.filter((field) => (record[field] ?? null) !== (before[field] ?? null));
      if (changed.length) {
        await em.flush();
        await appendAudit(em, principal, {
          action: registered ? 'enterprise.correct' : 'enterprise.register',
          entityType: 'Enterprise',
          entityId: uscc,
          // Personal data is named, never copied, into the audit trail.
          detail: Object.fromEntries(changed.map((field) => [field, PERSONAL_FIELDS.has(field) ? '(personal data)' : (record[field] ?? null)])),
        });
      }
      return { enterprise: enterpriseView(principal, enterprise)!, created: !existing };
    });
  }
}

/**
 * A row other than a list entry (a case) names an enterprise, in the row's transaction: an unknown enterprise is
 * created from it, a SHARED row makes one known only from RESTRICTED rows public; nothing else of the enterprise
 * changes. Answers the row's region: the one given, else the public enterprise's, else the USCC's division digits.
 */
export async function namedByRow(
  em: EntityManager,
  row: { uscc: string; name: string; regionCode: string | null; classification: string },
): Promise<string> {
  const [known] = row.regionCode ? [] : await em.execute<{ region_code: string }[]>(PUBLIC_REGIONS_SQL, [pgArray([row.uscc])]);
  const regionCode = row.regionCode ?? known?.region_code ?? defaultRegion(row.uscc, 'required');
  await em.execute(ENTERPRISE_NAMED_BY_ROW_SQL, [row.uscc, row.name, regionCode, row.classification]);
  return regionCode;
}

type EnterpriseChanges = ReturnType<typeof checkChanges>;

const REGISTRY_FIELDS = ['name', 'regionCode', 'industry', 'legalRepresentative', 'legalRepresentativeIdNumber', 'contactPhone'];

/** Validates every given field of a registration before anything is read or written. */
function checkChanges(input: RegisterEnterpriseInput) {
  const text = (value: string | null | undefined, field: string, max?: number) => optionalText(value, field, max);
  const personal = (value: string | null | undefined, field: string, rule: typeof parsePhone) =>
    value == null || !value.trim() ? (value === undefined ? undefined : null) : ruleValue(rule(value), field);
  return {
    name: input.name === undefined ? undefined : requiredText(input.name, 'name'),
    regionCode: input.regionCode == null ? input.regionCode : ruleValue(parseRegionCode(input.regionCode), 'regionCode'),
    industry: text(input.industry, 'industry', 100),
    legalRepresentative: text(input.legalRepresentative, 'legalRepresentative', 100),
    legalRepresentativeIdNumber: personal(input.legalRepresentativeIdNumber, 'legalRepresentativeIdNumber', parseIdNumber),
    contactPhone: personal(input.contactPhone, 'contactPhone', parsePhone),
  };
}

/** The USCC's division digits name the registering authority: used only when no region is given. */
function defaultRegion(uscc: string, rule = 'division'): string {
  const division = usccDivision(uscc);
  const region = parseRegionCode(division);
  if (!region.ok) {
    throw badInput(`regionCode is required: the USCC's division digits ${division} are no region code (${region.message})`, {
      field: 'regionCode',
      rule,
    });
  }
  return region.value;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
