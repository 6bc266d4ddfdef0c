/**
 * `npm run hub -- audit verify [--expect-head <id>:<link>]`: reads the whole trail in id order, batch by batch
 * (it never holds the trail in memory), walks it with the verifier and says, one line each, what is wrong, then
 * a summary and the head to keep. It only reads.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { keyOf, type AuditKeys } from './audit-keys';
import { recordsAfter } from './audit.queries';
import { ChainVerifier, type Head } from './verify';

/** Records read per statement. */
const BATCH = 2_000;
/** Problems printed at most (the first is the first broken record). */
const MAX_PROBLEM_LINES = 50;

export async function verifyAuditTrail(em: EntityManager, keys: AuditKeys, expect?: Head): Promise<{ ok: boolean; lines: string[] }> {
  // A key file the embedded database has lost is no key: its records are then unchecked, not all "changed".
  const lost = keys.unsavedFile;
  const verifier = new ChainVerifier((keyId) => (lost && keyId === keys.id ? undefined : keyOf(keys, keyId)), expect);
  for (let after = '0'; ;) {
    const rows = await recordsAfter(em, after, BATCH);
    for (const row of rows) verifier.push(row);
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1].id;
  }
  const report = verifier.finish();
  const lines = lost ? [`the audit key file ${lost} is missing: records of key id ${keys.id} cannot be checked (restore it from the backup)`] : [];
  lines.push(...report.problems.slice(0, MAX_PROBLEM_LINES).map((problem) => problem.message));
  if (report.problems.length > MAX_PROBLEM_LINES) lines.push(`… and ${report.problems.length - MAX_PROBLEM_LINES} more problems`);
  const keyed = report.records - report.unkeyed;
  const parts = [`${report.records} records`];
  if (report.unkeyed) parts.push(`${report.unkeyed} with unkeyed SHA-256 links`);
  if (keyed) parts.push(`${keyed} keyed (${report.keyIds.join(', ')})`);
  const verdict = report.ok ? 'intact' : `${report.problems.length} problem(s), the first at record ${report.problems[0].id}`;
  lines.push(`audit trail: ${parts.join(', ')}: ${verdict}${expect && report.ok ? `; expected head ${expect.id} found` : ''}`);
  lines.push(report.head ? `head ${report.head.id}:${report.head.link}` : 'head none (the trail is empty)');
  return { ok: report.ok, lines };
}
