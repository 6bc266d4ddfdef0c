/**
 * The SQL of the office's audit trail query: the filter as one condition on `audit_record` (`?` placeholders,
 * values in order), a keyset page newest first (by id), and its count. Every value is a parameter.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AuditContent } from '../../audit/audit-link';
import { anyRowSql } from '../../db/keyset';
import { isoTime } from '../../db/sql';

export interface AuditTrailCriteria {
  /** Unit code of the actor, upper-case. */
  unitCode?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** One record as the query shows it: what its link covers, and the link. */
export interface AuditTrailRow extends AuditContent {
  id: string;
  keyId: string | null;
  prevHash: string;
  hash: string;
}

function whereOf(criteria: AuditTrailCriteria): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    params.push(value);
  };
  if (criteria.unitCode !== undefined) add('a.actor_unit_id = (select u.id from unit u where u.code = ?)', criteria.unitCode);
  if (criteria.action !== undefined) add('a.action = ?', criteria.action);
  if (criteria.entityType !== undefined) add('a.entity_type = ?', criteria.entityType);
  if (criteria.entityId !== undefined) add('a.entity_id = ?', criteria.entityId);
  if (criteria.from !== undefined) add('a.occurred_at >= ?', criteria.from);
  if (criteria.to !== undefined) add('a.occurred_at < ?', criteria.to);
  return { sql: parts.length ? parts.join(' and ') : 'true', params };
}

/** Up to `limit` records passing `criteria` with an id below `before` (all when undefined), newest first. */
export async function auditTrailPage(
  em: EntityManager,
  criteria: AuditTrailCriteria,
  before: string | undefined,
  limit: number,
): Promise<AuditTrailRow[]> {
  const where = whereOf(criteria);
  const keyset = before === undefined ? '' : ' and a.id < ?::bigint';
  const rows = await em.execute<(Omit<AuditTrailRow, 'occurredAt'> & { occurredAt: string })[]>(
    `select a.id::text as id, ${isoTime('a.occurred_at')} as "occurredAt", a.actor_unit_id as "actorUnitId", a.actor_credential_id as "actorCredentialId",
       a.action, a.entity_type as "entityType", a.entity_id as "entityId", a.detail, a.key_id as "keyId", a.prev_hash as "prevHash", a.hash
     from audit_record a where ${where.sql}${keyset} order by a.id desc limit ?`,
    [...where.params, ...(before === undefined ? [] : [before]), limit],
  );
  return rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
}

export async function auditTrailCount(em: EntityManager, criteria: AuditTrailCriteria): Promise<number> {
  const where = whereOf(criteria);
  const [row] = await em.execute<{ n: number }[]>(`select count(*)::int as n from audit_record a where ${where.sql}`, where.params);
  return row.n;
}

/** Whether a record passing `criteria` has the id `from` or a higher one (before a page newest first from below `from`). */
export async function auditTrailFrom(em: EntityManager, criteria: AuditTrailCriteria, from: string): Promise<boolean> {
  const where = whereOf(criteria);
  const [row] = await em.execute<{ found: boolean }[]>(anyRowSql(`audit_record a where ${where.sql} and a.id >= ?::bigint`), [...where.params, from]);
  return row.found;
}
