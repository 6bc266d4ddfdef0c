/**
 * The change feed for systems that poll (`query changes`, `changesHead`), and the checks every consumer's filter
 * goes through. A page reads a bounded stretch of the log and keeps what the caller may see and asked for: a page
 * that keeps nothing still answers the position it reached, so a poller never scans the same stretch twice.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../access/policies';
import type { Principal } from '../access/principal';
import { pgArray } from '../db/sql';
import { principalOf } from '../access/authenticate';
import { badInput, HubError, unauthenticated } from '../errors';
import { parseRegionPrefix } from '../region';
import { isUuid, ruleValue } from '../input';
import type { RiskLevel } from '../risk-level';
import { parseUnitCode } from '../unit-code';
import type { ChangeKind, ChangeTopic } from '../change-log/change-log';
import { changeTest, type ChangeFilterSpec } from './change-filter';
import { ChangeReader, type StoredChange } from '../change-log/change-reader';
import { comparePositions, START, type ChangeCursors, type Position } from '../change-log/cursor';
import type { SubscriptionStart } from './feed';
import { KeyEndedError } from './subscriber-access';

/** A filter as a client sends it (ChangeFilter). */
export interface ChangeFilterInput {
  topics?: ChangeTopic[] | null;
  kinds?: ChangeKind[] | null;
  listTypes?: string[] | null;
  minRiskLevel?: RiskLevel | null;
  regionPrefix?: string | null;
  /** USCCs, already valid (USCC scalar). */
  enterprises?: string[] | null;
  /** Case ids. */
  cases?: string[] | null;
  /** Unit codes. */
  actingUnits?: string[] | null;
}

export interface ChangePage {
  changes: StoredChange[];
  /** The position the page reached: its last change, or the last one it read past, or `after` itself. */
  endCursor: string;
  /** True when the log goes on after endCursor (as far as this page read). */
  hasNextPage: boolean;
  /** With `after`: whether the log holds a change at or before it, visible to the caller or not; false without. */
  hasPreviousPage: () => Promise<boolean>;
}

/** How many changes of the log one page reads at most, kept or not. */
export const PAGE_SCAN_LIMIT = 5_000;

function refuseBeyond(head: Position, after: Position): void {
  if (comparePositions(after, head) > 0) {
    throw badInput('after is beyond the end of the change log: start again from changesHead or from the start', { field: 'after', rule: 'cursor' });
  }
}

export class ChangeService {
  constructor(
    private readonly em: EntityManager,
    private readonly cursors: ChangeCursors,
  ) {}

  /** One page of the changes after `after` (default: the start of the log) that the caller may see. */
  async page(principal: Principal, args: { after?: string | null; first: number; filter?: ChangeFilterInput | null }): Promise<ChangePage> {
    authorize(principal, 'readChanges');
    const after = args.after != null ? this.cursors.decode(args.after) : START;
    const test = changeTest(principal, await this.filterSpec(args.filter));
    const reader = new ChangeReader(this.em);
    const kept: StoredChange[] = [];
    let position = after;
    let scanned = 0;
    let more = false;
    while (scanned < PAGE_SCAN_LIMIT) {
      // One row more than the page needs tells whether the log goes on; a filter that keeps little reads more.
      const want = Math.min(PAGE_SCAN_LIMIT - scanned, Math.max(args.first - kept.length + 1, 200));
      const batch = await reader.after(position, want);
      if (!batch.length && scanned === 0) await this.refuseBeyondHead(reader, after);
      let i = 0;
      for (; i < batch.length && kept.length < args.first; i++) {
        scanned += 1;
        position = batch[i].position;
        if (test(batch[i])) kept.push(batch[i]);
      }
      if (i < batch.length) {
        more = true;
        break;
      }
      if (batch.length < want) break;
      if (scanned >= PAGE_SCAN_LIMIT) more = (await reader.after(position, 1)).length > 0;
    }
    return {
      changes: kept,
      endCursor: this.cursors.encode(position),
      hasNextPage: more,
      hasPreviousPage: args.after != null ? () => reader.anyAtOrBefore(after) : async () => false,
    };
  }

  /** The cursor of the last change in the log: a new consumer starts from it to see only what comes next. */
  async head(principal: Principal): Promise<string> {
    authorize(principal, 'readChanges');
    return this.cursors.encode(await new ChangeReader(this.em).head());
  }

  /**
   * A subscriber's arguments checked and prepared: its caller read afresh together with the head of the log (one
   * statement, one snapshot: UNAUTHENTICATED when the key stopped working since the operation began), where it
   * starts (after its cursor, or live from that head: "now"), and its filter (region prefix and case ids
   * validated, acting units' codes turned into ids, BAD_USER_INPUT naming each unknown code).
   */
  async prepare(
    principal: Principal,
    args: { after?: string | null; filter?: ChangeFilterInput | null },
  ): Promise<{ principal: Principal; start: SubscriptionStart; filter: ChangeFilterSpec }> {
    authorize(principal, 'subscribeChanges');
    const after = args.after != null ? this.cursors.decode(args.after) : null;
    const reader = new ChangeReader(this.em);
    let head: Position;
    let caller = principal;
    if (principal.credentialId) {
      const read = await reader.headWithCredential(principal.credentialId);
      if (!read.credential) throw unauthenticated('the key is not known to this hub');
      head = read.head;
      try {
        caller = principalOf(read.credential);
      } catch (error) {
        throw error instanceof HubError ? new KeyEndedError(error.message) : error;
      }
    } else {
      head = await reader.head();
    }
    if (after) refuseBeyond(head, after);
    const start: SubscriptionStart = after ? { after, freshAt: head } : { from: head, freshAt: head };
    return { principal: caller, start, filter: await this.filterSpec(args.filter) };
  }

  /**
   * A cursor past the last change cannot have come from this log (a forged one, or one of a log since restored
   * from an older backup): a consumer holding it would silently miss every change until the log got there.
   */
  private async refuseBeyondHead(reader: ChangeReader, after: Position): Promise<void> {
    refuseBeyond(await reader.head(), after);
  }

  private async filterSpec(filter: ChangeFilterInput | null | undefined): Promise<ChangeFilterSpec> {
    if (!filter) return {};
    const regionPrefix = filter.regionPrefix?.trim() ? ruleValue(parseRegionPrefix(filter.regionPrefix), 'filter.regionPrefix') : null;
    const badCase = filter.cases?.find((id) => !isUuid(id));
    if (badCase !== undefined) throw badInput(`filter.cases: ${badCase} is not a case id`, { field: 'filter.cases', rule: 'id' });
    let actingUnitIds: string[] | null = null;
    if (filter.actingUnits?.length) {
      const codes = [...new Set(filter.actingUnits.map((code) => code.trim().toUpperCase()))];
      const bad = codes.filter((code) => !parseUnitCode(code).ok);
      const rows = await this.em.execute<{ id: string; code: string }[]>('select id, code from unit where code = any(?::text[])', [
        pgArray(codes.filter((code) => !bad.includes(code))),
      ]);
      const unknown = [...bad, ...codes.filter((code) => !bad.includes(code) && !rows.some((row) => row.code === code))];
      if (unknown.length)
        throw badInput(`filter.actingUnits: no unit with code ${unknown.join(', ')}`, { field: 'filter.actingUnits', rule: 'unit' });
      actingUnitIds = rows.map((row) => row.id);
    }
    return {
      topics: filter.topics,
      kinds: filter.kinds,
      listTypes: filter.listTypes,
      minRiskLevel: filter.minRiskLevel,
      regionPrefix,
      usccs: filter.enterprises,
      caseIds: filter.cases?.map((id) => id.toLowerCase()),
      actingUnitIds,
    };
  }
}
