/**
 * Appends to the audit trail inside the caller's transaction, as part of the one write path (DESIGN.md
 * invariant 1). Appends are serialised by a transaction-scoped advisory lock so that the chain has no fork; each
 * record's link is keyed (audit-link.ts) under the database's audit key (audit-keys.ts) and covers its id, taken
 * from the sequence before the insert.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../access/principal';
import { isoTime } from '../db/sql';
import { auditKeysOf } from './audit-keys';
import { GENESIS, keyedLink, type AuditContent } from './audit-link';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  detail: Record<string, unknown>;
}

/** Lock key: "fyh" and 2 (1 is the start-up lock). */
const AUDIT_LOCK = [0x667968, 2];

export async function appendAudit(em: EntityManager, actor: Principal | null, entry: AuditEntry): Promise<void> {
  const keys = auditKeysOf(em);
  await em.execute('select pg_advisory_xact_lock(?, ?)', AUDIT_LOCK);
  // The time is the database's (the transaction's start, as every row it writes), not this process's clock.
  const [last] = await em.execute<{ hash: string | null; id: string; now: string }[]>(
    `select (select "hash" from "audit_record" order by "id" desc limit 1) as "hash",
       nextval(pg_get_serial_sequence('audit_record', 'id'))::text as "id", ${isoTime('now()')} as "now"`,
  );
  const prevHash = last.hash ?? GENESIS;
  const content: AuditContent = {
    occurredAt: new Date(last.now),
    actorUnitId: actor?.unit.id ?? null,
    actorCredentialId: actor?.credentialId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    // As the table will give it back (jsonb): what the link covers is what the verifier reads.
    detail: JSON.parse(JSON.stringify(entry.detail)) as Record<string, unknown>,
  };
  const hash = keyedLink(keys.key, last.id, keys.id, prevHash, content);
  await em.execute(
    `insert into "audit_record" ("id", "occurred_at", "actor_unit_id", "actor_credential_id", "action", "entity_type", "entity_id", "detail", "prev_hash", "hash", "key_id")
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [last.id, content.occurredAt, content.actorUnitId, content.actorCredentialId, entry.action, entry.entityType, entry.entityId, JSON.stringify(content.detail), prevHash, hash, keys.id],
  );
}

/**
 * A read under accountability (an export, a bulletin, unmasked personal data): one record in a short transaction
 * of its own, written once the rows are known.
 */
export function appendReadAudit(em: EntityManager, actor: Principal, entry: AuditEntry): Promise<void> {
  return em.transactional((tx) => appendAudit(tx, actor, entry));
}

/** The newest record's id and link, `<id>:<link>`; null for an empty trail. */
export async function auditHead(em: EntityManager): Promise<string | null> {
  const [head] = await em.execute<{ id: string; hash: string }[]>('select "id"::text as "id", "hash" from "audit_record" order by "id" desc limit 1');
  return head ? `${head.id}:${head.hash}` : null;
}
