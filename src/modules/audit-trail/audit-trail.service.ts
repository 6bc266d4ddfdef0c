/**
 * The audit trail as the office reads it (`auditTrail`): office credentials with ADMIN only; filtered by acting
 * unit, action, entity and time; newest first, in keyset pages by id. It shows every record, the accountable
 * reads (exports, bulletins, unmasked personal data) included. Reading it writes nothing.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { toPage, type CursorShape, type Page, type PageRequest } from '../../db/keyset';
import { badInput } from '../../errors';
import { auditTrailCount, auditTrailFrom, auditTrailPage, type AuditTrailCriteria, type AuditTrailRow } from './audit-trail.sql';

export interface AuditTrailFilter {
  unit?: string | null;
  action?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export class AuditTrailService {
  /** Records are paged by id, newest first: a cursor holds the id as a decimal string. */
  static readonly CURSOR: CursorShape = ['decimal'];

  constructor(private readonly em: EntityManager) {}

  async page(principal: Principal, filter: AuditTrailFilter, page: PageRequest): Promise<Page<AuditTrailRow>> {
    authorize(principal, 'readAuditTrail');
    const criteria = criteriaOf(filter);
    const before = page.after === undefined ? undefined : String(page.after[0]);
    if (before !== undefined && !/^\d{1,19}$/.test(before)) throw badInput('after is not a cursor of this list', { field: 'after', rule: 'cursor' });
    const rows = await auditTrailPage(this.em, criteria, before, page.first + 1);
    return toPage(
      rows,
      page,
      (row) => [row.id],
      () => auditTrailCount(this.em, criteria),
      ([key]) => auditTrailFrom(this.em, criteria, String(key)),
    );
  }
}

function criteriaOf(filter: AuditTrailFilter): AuditTrailCriteria {
  const text = (value: string | null | undefined) => (value?.trim() ? value.trim() : undefined);
  if (filter.from && filter.to && filter.to <= filter.from) throw badInput('to must be after from', { field: 'to', rule: 'order' });
  return {
    unitCode: text(filter.unit)?.toUpperCase(),
    action: text(filter.action),
    entityType: text(filter.entityType),
    entityId: text(filter.entityId),
    from: filter.from ?? undefined,
    to: filter.to ?? undefined,
  };
}
