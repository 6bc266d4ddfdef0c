/**
 * The links of the audit trail's chain, one pure definition shared by the writer and the verifier. A record's
 * link covers its content and the link before it. Records written before the key (issue 10) carry an unkeyed
 * SHA-256 link, which anyone who can write the table can recompute; every later record carries an HMAC-SHA256
 * under the audit key, which is kept outside the database, and names that key's id. The keyed link also covers
 * the record's id and key id, so neither can be changed without the key.
 */
import { createHash, createHmac } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The link before the first record. */
export const GENESIS = '0'.repeat(64);

/** What a link covers besides the previous link (and, when keyed, the id and key id). */
export interface AuditContent {
  occurredAt: Date;
  actorUnitId: string | null;
  actorCredentialId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  detail: Record<string, unknown>;
}

/** The content's canonical JSON (RFC 8785): the same text whether it comes from the writer or from the table. */
export function canonicalContent(content: AuditContent): string {
  return canonicalize({
    occurredAt: content.occurredAt.toISOString(),
    actorUnitId: content.actorUnitId,
    actorCredentialId: content.actorCredentialId,
    action: content.action,
    entityType: content.entityType,
    entityId: content.entityId,
    detail: content.detail,
  })!;
}

/** The link of a record written before the key: SHA-256 over the previous link and the content. */
export function unkeyedLink(prevLink: string, content: AuditContent): string {
  return createHash('sha256')
    .update(`${prevLink}\n${canonicalContent(content)}`)
    .digest('hex');
}

/** The link of a keyed record: HMAC-SHA256 under `key` over its id, key id, the previous link and the content. */
export function keyedLink(key: string, id: string, keyId: string, prevLink: string, content: AuditContent): string {
  return createHmac('sha256', key)
    .update(`fyh-audit-v2\n${id}\n${keyId}\n${prevLink}\n${canonicalContent(content)}`)
    .digest('hex');
}
