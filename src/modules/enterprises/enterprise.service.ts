/**
 * Enterprises keyed by USCC: looked up and listed by every unit with READ (personal data masked by the
 * visibility rule), registered or corrected by the office.
 */
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { enterpriseView, type EnterpriseView } from '../../access/visibility';
import { appendAudit } from '../../audit/audit.service';
import { isoTime, queryPrepared } from '../../db/sql';
import { badInput } from '../../graphql/errors';
import { toPage, type CursorShape, type Page, type PageRequest } from '../../graphql/connection';
import { optionalText, requiredText, ruleValue } from '../input';
import { Enterprise } from './enterprise.entity';
import { parseIdNumber, parsePhone } from './personal-data';
import { parseRegionCode, parseRegionPrefix } from './region';
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

type EnterpriseRow = Omit<Enterprise, 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

/** Every column of {@link Enterprise}, as its properties; a hot path of nested reads, so off the ORM. */
const ENTERPRISES_BY_USCC_SQL = `select uscc, name, region_code as "regionCode", industry, legal_representative as "legalRepresentative",
    legal_representative_id_number as "legalRepresentativeIdNumber", contact_phone as "contactPhone",
    ${isoTime('created_at')} as "createdAt", ${isoTime('updated_at')} as "updatedAt"
  from enterprise where uscc = any(?::text[])`;

const PERSONAL_FIELDS = new Set(['legalRepresentativeIdNumber', 'contactPhone']);

export class EnterpriseService {
  constructor(private readonly em: EntityManager) {}

  async get(principal: Principal, uscc: string): Promise<EnterpriseView | null> {
    authorize(principal, 'readEnterprises');
    const enterprise = await this.em.findOne(Enterprise, { uscc: ruleValue(parseUscc(uscc), 'uscc') });
    return enterprise ? enterpriseView(principal, enterprise) : null;
  }

  /** Enterprises by USCC in the order asked, null where unknown (for the per-request DataLoader). */
  async byUsccs(principal: Principal, usccs: readonly string[]): Promise<(EnterpriseView | null)[]> {
    const rows = await queryPrepared<EnterpriseRow>(this.em, ENTERPRISES_BY_USCC_SQL, [usccs]);
    const byUscc = new Map(rows.map((row) => [row.uscc, enterpriseView(principal, { ...row, createdAt: new Date(row.createdAt), updatedAt: new Date(row.updatedAt) })]));
    return usccs.map((uscc) => byUscc.get(uscc) ?? null);
  }

  /** Enterprises are paged by USCC: a cursor holds the USCC. */
  static readonly CURSOR: CursorShape = ['text'];

  async list(principal: Principal, filter: EnterpriseFilter, page: PageRequest): Promise<Page<EnterpriseView>> {
    authorize(principal, 'readEnterprises');
    const where: FilterQuery<Enterprise> = {};
    const fragment = filter.nameContains?.trim();
    if (fragment) where.name = { $ilike: `%${escapeLike(fragment)}%` };
    if (filter.regionPrefix != null) {
      where.regionCode = { $like: `${ruleValue(parseRegionPrefix(filter.regionPrefix), 'regionPrefix')}%` };
    }
    if (filter.industry?.trim()) where.industry = filter.industry.trim();
    const after = page.after ? { uscc: { $gt: String(page.after[0]) } } : {};
    const rows = await this.em.find(Enterprise, { $and: [where, after] }, { orderBy: { uscc: 'asc' }, limit: page.first + 1 });
    return toPage(
      rows.map((row) => enterpriseView(principal, row)),
      page,
      (view) => [view.uscc],
      () => this.em.count(Enterprise, where),
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
      if (existing && changes.regionCode === null) {
        throw badInput('regionCode cannot be cleared', { field: 'regionCode', rule: 'required' });
      }
      if (!existing && changes.name == null) {
        throw badInput('name is required to register a new enterprise', { field: 'name', rule: 'required' });
      }
      const before: Record<string, unknown> = existing ? { ...existing } : {};
      const enterprise =
        existing ?? em.create(Enterprise, { uscc, name: changes.name!, regionCode: changes.regionCode ?? defaultRegion(uscc) });
      const record = enterprise as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(changes)) {
        if (value !== undefined && !(field === 'regionCode' && value === null)) record[field] = value;
      }
      const changed = REGISTRY_FIELDS.filter((field) => (record[field] ?? null) !== (before[field] ?? null));
      if (changed.length) {
        await em.flush();
        await appendAudit(em, principal, {
          action: existing ? 'enterprise.correct' : 'enterprise.register',
          entityType: 'Enterprise',
          entityId: uscc,
          // Personal data is named, never copied, into the audit trail.
          detail: Object.fromEntries(changed.map((field) => [field, PERSONAL_FIELDS.has(field) ? '(personal data)' : record[field] ?? null])),
        });
      }
      return { enterprise: enterpriseView(principal, enterprise), created: !existing };
    });
  }
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
function defaultRegion(uscc: string): string {
  const division = usccDivision(uscc);
  const region = parseRegionCode(division);
  if (!region.ok) {
    throw badInput(`regionCode is required: the USCC's division digits ${division} are no region code (${region.message})`, {
      field: 'regionCode',
      rule: 'division',
    });
  }
  return region.value;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
