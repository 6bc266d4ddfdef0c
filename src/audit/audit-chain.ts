/**
 * The audit chain at start-up, under the start-up lock: the configured keys must be the ones that wrote the
 * records naming their ids (every instance has the same key; a mismatch stops start-up with one line), the
 * embedded database's key file is made only for a trail that no key has written yet, and a trail that no key has
 * written yet (records from before the key) gets a keyed record at once, so that from then on its newest record is
 * always keyed; one whose newest record is unkeyed after keyed ones was written without the key and is refused.
 * (A trail rewritten wholly without the key looks like one from before the key: the head kept with the backups
 * tells them apart.) While the hub runs it logs the head (`<id>:<link>`) at start and once a day.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ConfigError } from '../config';
import { keyOf, saveKeyFile, type AuditKeys } from './audit-keys';
import { keyedLink } from './audit-link';
import { newestRecord, recordCounts } from './audit.queries';
import { appendAudit, auditHead, unkeyedMessage } from './audit.service';

/** How often a running hub logs the head. */
const HEAD_LOG_MS = 24 * 60 * 60 * 1000;

/**
 * Checks the keys against the trail, makes the embedded key file if new, and keys the head of a trail that no key
 * has written yet (then says how many records keep their unkeyed links; otherwise null).
 */
export async function prepareAuditChain(em: EntityManager, keys: AuditKeys): Promise<{ unkeyed: number } | null> {
  if (keys.unsavedFile) {
    const { keyed } = await recordCounts(em);
    if (keyed > 0) {
      throw new ConfigError(
        `the audit key file ${keys.unsavedFile} is missing but ${keyed} audit records are keyed: restore the file from the backup (or set AUDIT_KEY)`,
      );
    }
  }
  for (const keyId of [keys.id, ...keys.retired.keys()]) {
    const row = await newestRecord(em, keyId);
    if (row && keyedLink(keyOf(keys, keyId)!, row.id, keyId, row.prevHash, row) !== row.hash) {
      const setting = keyId === keys.id ? keys.source : 'AUDIT_KEYS_RETIRED';
      throw new ConfigError(
        `${setting} is not the key that wrote the audit records of key id ${keyId} (record ${row.id} does not verify): every instance needs the same key; if the key is right, the record was changed (npm run hub -- audit verify)`,
      );
    }
  }
  saveKeyFile(keys);
  const newest = await newestRecord(em);
  if (!newest || newest.keyId !== null) return null;
  const { records, keyed } = await recordCounts(em);
  // Unkeyed records after keyed ones were written without the key: refused, not vouched for.
  if (keyed > 0) throw new ConfigError(unkeyedMessage(newest.id));
  await em.transactional((tx) =>
    appendAudit(
      tx,
      null,
      { action: 'audit.keyed', entityType: 'AuditTrail', entityId: keys.id, detail: { keyId: keys.id, unkeyedRecords: records, linksTo: newest.id } },
      true,
    ),
  );
  return { unkeyed: records };
}

/** Logs the head now (awaited) and then once a day, until the returned function is called. */
export async function logAuditHead(em: () => EntityManager, log: Logger): Promise<() => void> {
  const once = () =>
    auditHead(em()).then(
      (head) => log.info({ auditHead: head }, 'audit trail head: keep it with the backups (npm run hub -- audit verify --expect-head <head>)'),
      (error: unknown) => log.warn({ err: error }, 'could not read the audit trail head'),
    );
  await once();
  const timer = setInterval(() => void once(), HEAD_LOG_MS);
  timer.unref();
  return () => clearInterval(timer);
}
