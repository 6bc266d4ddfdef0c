/**
 * Appends to the audit trail inside the caller's transaction, as part of the one write path (DESIGN.md
 * invariant 1). Appends are serialised by a transaction-scoped advisory lock so that the hash chain has no fork.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../access/principal';
import { isoTime } from '../db/sql';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string;
  detail: Record<string, unknown>;
}

/** Lock key: "fyh" and 2 (1 is the start-up lock). */
const AUDIT_LOCK = [0x667968, 2];
const GENESIS = '0'.repeat(64);

export async function appendAudit(em: EntityManager, actor: Principal | null, entry: AuditEntry): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?, ?)', AUDIT_LOCK);
  // The time is the database's (the transaction's start, as every row it writes), not this process's clock.
  const [last] = await em.execute<{ hash: string | null; now: string }[]>(
    `select (select "hash" from "audit_record" order by "id" desc limit 1) as "hash", ${isoTime('now()')} as "now"`,
  );
  const prevHash = last.hash ?? GENESIS;
  const occurredAt = new Date(last.now);
  const record = {
    occurredAt: occurredAt.toISOString(),
    actorUnitId: actor?.unit.id ?? null,
    actorCredentialId: actor?.credentialId ?? null,
    ...entry,
  };
  const hash = createHash('sha256').update(`${prevHash}\n${canonicalize(record)}`).digest('hex');
  await em.execute(
    `insert into "audit_record" ("occurred_at", "actor_unit_id", "actor_credential_id", "action", "entity_type", "entity_id", "detail", "prev_hash", "hash")
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [occurredAt, record.actorUnitId, record.actorCredentialId, entry.action, entry.entityType, entry.entityId, JSON.stringify(entry.detail), prevHash, hash],
  );
}
