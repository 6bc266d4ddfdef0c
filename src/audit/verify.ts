/**
 * The verifier of the audit trail: a pure walk over its records in id order. Each record must carry the link its
 * content gives (unkeyed SHA-256 before the key, HMAC under its named key after), must link to the record before
 * it, and once a keyed record has appeared every later one must be keyed, the newest included: whoever rewrites
 * the table without the key can recompute unkeyed links, never keyed ones. Deleting the newest records leaves a
 * valid chain, so the walk also checks a head (`<id>:<link>`) recorded earlier, when given one.
 */
import { GENESIS, keyedLink, unkeyedLink } from './audit-link';
import type { AuditRow } from './audit.queries';

/** What is wrong with a record. */
export type ProblemKind = 'changed content' | 'missing record' | 'broken link' | 'unknown key id' | 'not keyed' | 'expected head';

export interface Problem {
  id: string;
  kind: ProblemKind;
  message: string;
}

export interface Head {
  id: string;
  link: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Every problem, in id order (the first names the first broken record). */
  problems: Problem[];
  records: number;
  unkeyed: number;
  keyIds: string[];
  head: Head | null;
}

/** Parses `<id>:<link>` as the verifier prints it; null when it is not one. */
export function parseHead(text: string): Head | null {
  const match = /^(\d{1,19}):([0-9a-f]{64})$/.exec(text.trim());
  return match ? { id: String(BigInt(match[1])), link: match[2] } : null;
}

export class ChainVerifier {
  private readonly problems: Problem[] = [];
  private previous: AuditRow | null = null;
  private records = 0;
  private unkeyed = 0;
  private readonly keyIds = new Set<string>();
  private readonly unknownKeys = new Set<string>();
  private expectedSeen: AuditRow | null = null;

  /** `keyOf` gives the key of a key id (the one in use and the retired ones); `expect` is a head recorded earlier. */
  constructor(
    private readonly keyOf: (keyId: string) => string | undefined,
    private readonly expect?: Head,
  ) {}

  /** The next record (ids increasing). */
  push(row: AuditRow): void {
    const previous = this.previous;
    this.records++;
    this.checkContent(row);
    const expectedPrev = previous?.hash ?? GENESIS;
    if (row.prevHash !== expectedPrev) {
      if (!previous) this.problem(row, 'missing record', 'it is the first record but does not start the chain: the records before it are gone');
      else if (BigInt(row.id) > BigInt(previous.id) + 1n) {
        const [from, to] = [BigInt(previous.id) + 1n, BigInt(row.id) - 1n];
        const gap = from === to ? `record ${from} before it is gone` : `records ${from} to ${to} before it are gone`;
        this.problem(row, 'missing record', `it does not link to record ${previous.id}, and ${gap}`);
      } else this.problem(row, 'broken link', `it does not link to record ${previous.id}, the record before it`);
    }
    if (this.expect && row.id === this.expect.id) this.expectedSeen = row;
    this.previous = row;
  }

  /** The report, once every record has been pushed. */
  finish(): VerifyReport {
    const last = this.previous;
    // (An unkeyed newest record after keyed ones is already named as such.)
    if (last && this.keyIds.size === 0) {
      this.problem(
        last,
        'not keyed',
        'the newest record is not keyed: the chain was rewritten without the key, or no hub has started since the upgrade',
      );
    }
    if (this.expect) {
      const { id, link } = this.expect;
      if (!this.expectedSeen) {
        const end = last ? `the chain ends at record ${last.id}` : 'the chain is empty';
        const why = !last || BigInt(last.id) < BigInt(id) ? 'the newest records were deleted' : 'it was deleted';
        this.problems.push({ id, kind: 'expected head', message: `record ${id}: expected head: the record is missing (${end}): ${why}` });
      } else if (this.expectedSeen.hash !== link) {
        this.problem(this.expectedSeen, 'expected head', `its link is not the expected head's ${link}: the chain was rewritten from here or before`);
      }
    }
    this.problems.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
    return {
      ok: this.problems.length === 0,
      problems: this.problems,
      records: this.records,
      unkeyed: this.unkeyed,
      keyIds: [...this.keyIds].sort(),
      head: last ? { id: last.id, link: last.hash } : null,
    };
  }

  private checkContent(row: AuditRow): void {
    if (row.keyId === null) {
      this.unkeyed++;
      if (this.keyIds.size > 0) {
        this.problem(row, 'not keyed', 'it is not keyed but comes after keyed records: it was written or rewritten without the key');
      } else if (unkeyedLink(row.prevHash, row) !== row.hash) {
        this.problem(row, 'changed content', 'its SHA-256 link does not match its content');
      }
      return;
    }
    this.keyIds.add(row.keyId);
    const key = this.keyOf(row.keyId);
    if (key === undefined) {
      // Said once per key id: every record of that key is unchecked for the same reason.
      if (!this.unknownKeys.has(row.keyId)) {
        this.unknownKeys.add(row.keyId);
        this.problem(
          row,
          'unknown key id',
          `its key id ${row.keyId} is neither AUDIT_KEY_ID nor in AUDIT_KEYS_RETIRED: its records cannot be checked`,
        );
      }
      return;
    }
    if (keyedLink(key, row.id, row.keyId, row.prevHash, row) !== row.hash) {
      this.problem(row, 'changed content', `its link does not match its content under key ${row.keyId}`);
    }
  }

  private problem(row: AuditRow, kind: ProblemKind, message: string): void {
    this.problems.push({ id: row.id, kind, message: `record ${row.id}: ${kind}: ${message}` });
  }
}
