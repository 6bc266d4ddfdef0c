/**
 * The SQL that reads audit records back as the writer linked them: the content fields with the time as an ISO
 * instant, the links and the key id. The verifier and the start-up check read through here only.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isoTime } from '../db/sql';
import type { AuditContent } from './audit-link';

/** One record as stored. */
export interface AuditRow extends AuditContent {
  id: string;
  prevHash: string;
  hash: string;
  /** Null for a record written before the key (an unkeyed SHA-256 link). */
  keyId: string | null;
}

// Ordered by the qualified a.id: an unqualified "id" in ORDER BY would be the text column of the select list.
const COLUMNS = `a.id::text as "id", ${isoTime('a.occurred_at')} as "occurredAt", a.actor_unit_id::text as "actorUnitId",
  a.actor_credential_id::text as "actorCredentialId", a.action, a.entity_type as "entityType", a.entity_id as "entityId",
  a.detail, a.prev_hash as "prevHash", a.hash, a.key_id as "keyId"`;

type RawRow = Omit<AuditRow, 'occurredAt'> & { occurredAt: string };

function toRow(raw: RawRow): AuditRow {
  return { ...raw, occurredAt: new Date(raw.occurredAt) };
}

/** Up to `limit` records after id `after` (a decimal string), in id order. */
export async function recordsAfter(em: EntityManager, after: string, limit: number): Promise<AuditRow[]> {
  const rows = await em.execute<RawRow[]>(`select ${COLUMNS} from audit_record a where a.id > ?::bigint order by a.id limit ?`, [after, limit]);
  return rows.map(toRow);
}

/** The newest record, or the newest written under `keyId` (null: the newest unkeyed one); undefined when none. */
export async function newestRecord(em: EntityManager, keyId?: string | null): Promise<AuditRow | undefined> {
  const where = keyId === undefined ? 'true' : keyId === null ? 'a.key_id is null' : 'a.key_id = ?';
  const rows = await em.execute<RawRow[]>(`select ${COLUMNS} from audit_record a where ${where} order by a.id desc limit 1`, keyId ? [keyId] : []);
  return rows.length ? toRow(rows[0]) : undefined;
}

/** How many records there are, and how many of them are keyed. */
export async function recordCounts(em: EntityManager): Promise<{ records: number; keyed: number }> {
  const [row] = await em.execute<{ records: number; keyed: number }[]>(
    'select count(*)::int as "records", count("key_id")::int as "keyed" from "audit_record"',
  );
  return row;
}
