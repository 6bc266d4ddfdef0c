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

/** Thrown when the newest record is unkeyed: nothing is added to a trail rewritten without the key. */
export class UnkeyedTrailError extends Error {
  override name = 'UnkeyedTrailError';
}

/**
 * Appends `entry`. The newest record must be keyed (from the upgrade on it always is): a trail whose newest record
 * is unkeyed was extended or rewritten without the key, and a keyed record linking to it would vouch for it, so
 * the append fails instead (only the start-up's `audit.keyed` record links to an unkeyed one: `afterUnkeyed`).
 */
export async function appendAudit(em: EntityManager, actor: Principal | null, entry: AuditEntry, afterUnkeyed = false): Promise<void> {
  const keys = auditKeysOf(em);
  await em.execute('select pg_advisory_xact_lock(?, ?)', AUDIT_LOCK);
  // The time is the database's (the transaction's start, as every row it writes), not this process's clock.
  const [last] = await em.execute<{ lastId: string | null; hash: string | null; keyId: string | null; id: string; now: string }[]>(
    `select last.id::text as "lastId", last.hash, last.key_id as "keyId",
       nextval(pg_get_serial_sequence('audit_record', 'id'))::text as "id", ${isoTime('now()')} as "now"
     from (select 1) one left join lateral (select "id", "hash", "key_id" from "audit_record" order by "id" desc limit 1) last on true`,
  );
  if (last.lastId !== null && last.keyId === null && !afterUnkeyed) throw new UnkeyedTrailError(unkeyedMessage(last.lastId));
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
    [
      last.id,
      content.occurredAt,
      content.actorUnitId,
      content.actorCredentialId,
      entry.action,
      entry.entityType,
      entry.entityId,
      JSON.stringify(content.detail),
      prevHash,
      hash,
      keys.id,
    ],
  );
}

export function unkeyedMessage(id: string): string {
  return `the newest audit record ${id} is not keyed: it was written without the audit key (a hub from before the key, or a rewrite of the trail); nothing more is written to the trail until it is checked (npm run hub -- audit verify)`;
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
  const [head] = await em.execute<{ id: string; hash: string }[]>('select a.id::text as "id", a.hash from audit_record a order by a.id desc limit 1');
  return head ? `${head.id}:${head.hash}` : null;
}
