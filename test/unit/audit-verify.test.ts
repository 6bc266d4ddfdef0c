/**
 * The audit trail's verifier as a pure walk: chains made here the way the writer links them (records before the
 * key with unkeyed SHA-256 links, then keyed ones), and each kind of damage an owner of the table can do.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { GENESIS, keyedLink } from '../../src/audit/audit-link';
import type { AuditRow } from '../../src/audit/audit.queries';
import { ChainVerifier, parseHead, type Head } from '../../src/audit/verify';

const K1 = 'a2V5LW9uZS1rZXktb25lLWtleS1vbmUta2V5LW9uZQ==';
const K2 = 'a2V5LXR3by1rZXktdHdvLWtleS10d28ta2V5LXR3bw==';
const KEYS: Record<string, string> = { k1: K1, k2: K2 };

/** The link of a record before the key, written out as the hub wrote it then (not through audit-link.ts). */
function legacyLink(prev: string, row: Omit<AuditRow, 'prevHash' | 'hash' | 'keyId' | 'id'>): string {
  const record = {
    occurredAt: row.occurredAt.toISOString(),
    actorUnitId: row.actorUnitId,
    actorCredentialId: row.actorCredentialId,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    detail: row.detail,
  };
  return createHash('sha256')
    .update(`${prev}\n${canonicalize(record)}`)
    .digest('hex');
}

function content(n: number) {
  return {
    occurredAt: new Date(Date.UTC(2026, 10, 1, 8, 0, n)),
    actorUnitId: '6f1c1f0e-0000-4000-8000-000000000001',
    actorCredentialId: n % 2 ? null : '6f1c1f0e-0000-4000-8000-000000000002',
    action: 'unit.create',
    entityType: 'Unit',
    entityId: `unit-${n}`,
    detail: { code: `U${n}`, n, nested: { b: [1, 'two'], a: null } },
  };
}

/** A chain of `unkeyed` records before the key, then one keyed record per entry of `keyIds`. */
function chain(unkeyed: number, keyIds: string[]): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS;
  for (let i = 1; i <= unkeyed + keyIds.length; i++) {
    const keyId = i > unkeyed ? keyIds[i - unkeyed - 1] : null;
    const id = String(i);
    const hash = keyId ? keyedLink(KEYS[keyId], id, keyId, prev, content(i)) : legacyLink(prev, content(i));
    rows.push({ id, ...content(i), prevHash: prev, hash, keyId });
    prev = hash;
  }
  return rows;
}

function verify(rows: AuditRow[], options: { keys?: Record<string, string>; expect?: Head } = {}) {
  const keys = options.keys ?? KEYS;
  const verifier = new ChainVerifier((keyId) => keys[keyId], options.expect);
  for (const row of rows) verifier.push(row);
  return verifier.finish();
}

/** Recomputes every unkeyed link from `from` on, as whoever can write the table but has no key can. */
function relinkWithoutKey(rows: AuditRow[], from: number): void {
  for (let i = from; i < rows.length; i++) {
    rows[i].prevHash = i === 0 ? GENESIS : rows[i - 1].hash;
    rows[i].hash = legacyLink(rows[i].prevHash, rows[i]);
  }
}

describe('the audit chain verifier', () => {
  it('a clean chain of records before the key followed by keyed ones (two keys) is intact; the head is the last record', () => {
    const rows = chain(3, ['k1', 'k1', 'k2']);
    const report = verify(rows);
    expect(report).toMatchObject({ ok: true, problems: [], records: 6, unkeyed: 3, keyIds: ['k1', 'k2'] });
    expect(report.head).toEqual({ id: '6', link: rows[5].hash });
    // The first keyed record links to the last unkeyed one.
    expect(rows[3].prevHash).toBe(rows[2].hash);
  });

  it('an empty trail is intact and has no head', () => {
    expect(verify([])).toMatchObject({ ok: true, records: 0, head: null });
  });

  it('a changed detail with the unkeyed links recomputed: "changed content" at that record, first', () => {
    const rows = chain(2, ['k1', 'k1', 'k1']);
    rows[3].detail = { ...rows[3].detail, code: 'FORGED' };
    relinkWithoutKey(rows, 3);
    const report = verify(rows);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ id: '4', kind: 'changed content' });
    expect(report.problems.every((problem) => problem.kind === 'changed content' || problem.kind === 'not keyed')).toBe(true);
  });

  it('a changed record before the key with the unkeyed links recomputed up to the key: the first keyed record no longer links', () => {
    const rows = chain(3, ['k1', 'k1']);
    rows[1].entityId = 'someone-else';
    for (let i = 1; i < 3; i++) {
      rows[i].prevHash = rows[i - 1].hash;
      rows[i].hash = legacyLink(rows[i].prevHash, rows[i]);
    }
    const report = verify(rows);
    expect(report.problems.map((problem) => [problem.id, problem.kind])).toEqual([['4', 'broken link']]);
  });

  it('a changed record whose link was left alone: "changed content" there and nothing else', () => {
    const rows = chain(1, ['k1', 'k1', 'k1']);
    rows[2].actorCredentialId = '6f1c1f0e-0000-4000-8000-000000000099';
    expect(verify(rows).problems.map((problem) => [problem.id, problem.kind])).toEqual([['3', 'changed content']]);
  });

  it('a keyed record renumbered keeps its content but not its link (the id is covered)', () => {
    const rows = chain(0, ['k1', 'k1']);
    rows[1].id = '7';
    expect(verify(rows).problems[0]).toMatchObject({ id: '7', kind: 'changed content' });
  });

  it('a record deleted in the middle: "missing record" at the next one, naming the gap', () => {
    const rows = chain(1, ['k1', 'k1', 'k1', 'k1']);
    rows.splice(2, 2);
    const report = verify(rows);
    expect(report.problems).toEqual([
      { id: '5', kind: 'missing record', message: 'record 5: missing record: it does not link to record 2, and records 3 to 4 before it are gone' },
    ]);
  });

  it('the first records deleted: the first one left does not start the chain', () => {
    const rows = chain(0, ['k1', 'k1', 'k1']).slice(1);
    expect(verify(rows).problems[0]).toMatchObject({ id: '2', kind: 'missing record' });
  });

  it('a link pointing elsewhere without an id gap: "broken link"', () => {
    const rows = chain(0, ['k1', 'k1', 'k1']);
    rows[2].prevHash = 'f'.repeat(64);
    const report = verify(rows);
    // Its own link covered the old previous link too, so its content no longer matches either.
    expect(report.problems.map((problem) => problem.kind).sort()).toEqual(['broken link', 'changed content']);
    expect(report.problems.every((problem) => problem.id === '3')).toBe(true);
  });

  it('the whole chain rewritten without the key (every record unkeyed, links recomputed): the newest record is not keyed', () => {
    const rows = chain(2, ['k1', 'k1']);
    for (const row of rows) row.keyId = null;
    relinkWithoutKey(rows, 0);
    const report = verify(rows);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ id: '4', kind: 'not keyed' })]);
  });

  it('an unkeyed record appended after keyed ones: "not keyed"', () => {
    const rows = chain(0, ['k1', 'k1']);
    const prev = rows[1].hash;
    rows.push({ id: '3', ...content(3), prevHash: prev, hash: legacyLink(prev, content(3)), keyId: null });
    expect(verify(rows).problems).toEqual([expect.objectContaining({ id: '3', kind: 'not keyed' })]);
  });

  it('a record of a key it does not know: "unknown key id", said once for that key', () => {
    const rows = chain(0, ['k1', 'k2', 'k2']);
    const report = verify(rows, { keys: { k1: K1 } });
    expect(report.problems).toEqual([expect.objectContaining({ id: '2', kind: 'unknown key id' })]);
    expect(report.problems[0].message).toContain('AUDIT_KEYS_RETIRED');
  });

  it('a different key: every record of it is "changed content"', () => {
    const rows = chain(0, ['k1', 'k1']);
    const report = verify(rows, { keys: { k1: K2 } });
    expect(report.problems.map((problem) => [problem.id, problem.kind])).toEqual([
      ['1', 'changed content'],
      ['2', 'changed content'],
    ]);
  });

  it('the newest records deleted: still a valid chain, but not the head recorded earlier', () => {
    const rows = chain(1, ['k1', 'k1', 'k1', 'k1']);
    const head = { id: '5', link: rows[4].hash };
    expect(verify(rows, { expect: head }).ok).toBe(true);
    const shortened = rows.slice(0, 3);
    expect(verify(shortened).ok).toBe(true);
    const report = verify(shortened, { expect: head });
    expect(report.problems).toEqual([
      {
        id: '5',
        kind: 'expected head',
        message: 'record 5: expected head: the record is missing (the chain ends at record 3): the newest records were deleted',
      },
    ]);
  });

  it('a head recorded earlier is found in a chain that grew since; a head whose link differs is named', () => {
    const rows = chain(0, ['k1', 'k1', 'k1']);
    expect(verify(rows, { expect: { id: '2', link: rows[1].hash } }).ok).toBe(true);
    const report = verify(rows, { expect: { id: '2', link: 'a'.repeat(64) } });
    expect(report.problems).toEqual([expect.objectContaining({ id: '2', kind: 'expected head' })]);
  });

  it('parses a head as it prints it, and nothing else', () => {
    const link = 'ab'.repeat(32);
    expect(parseHead(`42:${link}`)).toEqual({ id: '42', link });
    expect(parseHead(` 0042:${link} `)).toEqual({ id: '42', link });
    for (const bad of ['42', `42:${link.toUpperCase()}`, `x:${link}`, `42:${link}0`, `-1:${link}`]) expect(parseHead(bad)).toBeNull();
  });
});
