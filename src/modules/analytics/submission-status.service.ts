/**
 * Who submitted which list for a period (source 001 五(二): member units submit their lists regularly). A unit is
 * expected to publish the list types whose usual publishers (DOMAIN.md, list-types.ts) include its kind; every
 * committed publication for the period counts, also one that changed nothing (it is the unit's evidence). The
 * office sees every unit, so it sees at a glance who is late; another unit with ANALYZE sees its own rows.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { isoTime } from '../../db/sql';
import { requiredText } from '../../input';
import { PERIOD_MAX } from '../risk-lists/risk-publication.inputs';
import { asAnalyst } from './analyst-statements';
import { LIST_TYPES } from '../risk-lists/list-types';
import { RiskListType } from '../../risk-list-type';
import type { UnitKind } from '../../access/unit-kind';

/** One unit and one list type for the period. */
export interface SubmissionRow {
  unitId: string;
  unitCode: string;
  unitKind: UnitKind;
  listType: RiskListType;
  /** The list type is one the unit's kind usually publishes. */
  expected: boolean;
  /** Committed publications of this list for the period. */
  publications: number;
  /** At least one publication for the period was committed. */
  submitted: boolean;
  firstPublishedAt: Date | null;
  lastPublishedAt: Date | null;
}

/** Submissions of the units' lists per period. */
export class SubmissionStatusService {
  constructor(
    private readonly em: EntityManager,
    /** ANALYST_STATEMENT_TIMEOUT */
    private readonly timeoutMs = 0,
  ) {}

  /** Every expected (unit, list type) of the active units, and every one that published for `period` besides. */
  async forPeriod(principal: Principal, period: string, onlyMissing = false): Promise<SubmissionRow[]> {
    authorize(principal, 'analyze');
    const wanted = requiredText(period, 'period', PERIOD_MAX);
    const every = itemRules.seeEveryUnit(principal);
    const own = every ? '' : ' and u.id = ?';
    const scope = every ? [] : [principal.unit.id];
    const { units, published } = await asAnalyst(this.em, this.timeoutMs, async (em) => ({
      units: await em.execute<{ id: string; code: string; kind: UnitKind }[]>(
        `select u.id, u.code, u.kind from unit u where u.active${own} order by u.code`,
        scope,
      ),
      published: await em.execute<{ unitId: string; listType: RiskListType; publications: number; first: string; last: string }[]>(
        `select p.publisher_unit_id as "unitId", p.list_type as "listType", count(*)::int as publications,
         ${isoTime('min(p.published_at)')} as first, ${isoTime('max(p.published_at)')} as last
       from risk_publication p join unit u on u.id = p.publisher_unit_id
       where p.period = ?${own} group by 1, 2`,
        [wanted, ...scope],
      ),
    }));
    const byPair = new Map(published.map((row) => [`${row.unitId}:${row.listType}`, row]));
    const rows: SubmissionRow[] = [];
    for (const unit of units) {
      for (const listType of Object.values(RiskListType)) {
        const expected = LIST_TYPES[listType].usualPublishers.includes(unit.kind);
        const done = byPair.get(`${unit.id}:${listType}`);
        if (!expected && !done) continue;
        if (onlyMissing && (done || !expected)) continue;
        rows.push({
          unitId: unit.id,
          unitCode: unit.code,
          unitKind: unit.kind,
          listType,
          expected,
          publications: done?.publications ?? 0,
          submitted: Boolean(done),
          firstPublishedAt: done ? new Date(done.first) : null,
          lastPublishedAt: done ? new Date(done.last) : null,
        });
      }
    }
    return rows;
  }
}
