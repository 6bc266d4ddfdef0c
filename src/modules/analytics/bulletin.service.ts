/**
 * The periodic bulletin (定期通报, source 000 三(二)): for the days from `from` to `to` (both included, in the
 * hub's time zone), the cases registered, moved and ended, the progress entries by kind, the list entries added
 * and withdrawn by list type and level, and the enterprises that came onto the lists of two or more units — all
 * over what the caller may see, optionally in one region. Needs ANALYZE. Each bulletin made (the query and the
 * Markdown download alike) writes an audit record (who, which period and region, how many rows it names).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { appendReadAudit } from '../../audit/audit.service';
import { seenColumnSql, visibleSql } from '../../access/visibility';
import { isoTime } from '../../db/sql';
import { badInput } from '../../errors';
import { parseLocalDate } from '../../calendar-date';
import { END_STAGES, type CaseStage } from '../cases/case-stage';
import { parseRegionPrefix } from '../../region';
import { ruleValue } from '../../input';
import { asAnalyst } from './analyst-statements';

/** A case registered in the period. */
export interface BulletinCase {
  caseNumber: string | null;
  debtorName: string;
  court: string;
  procedure: string;
  stage: string;
  registeredAt: Date;
}

/** An enterprise that came onto the lists of two or more units in the period. */
export interface BulletinEnterprise {
  uscc: string;
  name: string;
  /** The units whose lists it is on at the end of the period. */
  units: string[];
}

export interface Bulletin {
  from: string;
  to: string;
  regionPrefix: string | null;
  timeZone: string;
  casesRegistered: BulletinCase[];
  stageMoves: { stage: string; count: number }[];
  casesEnded: { stage: string; count: number }[];
  progress: { kind: string; count: number }[];
  entriesAdded: { listType: string; riskLevel: number; count: number }[];
  entriesWithdrawn: { listType: string; riskLevel: number; count: number }[];
  enterprisesOnSeveralLists: BulletinEnterprise[];
}

/** The longest period of one bulletin. */
const MAX_DAYS = 366;

/** The periodic bulletin over what the caller may see. */
export class BulletinService {
  constructor(
    private readonly em: EntityManager,
    /** HUB_TIMEZONE: the days of the bulletin. */
    private readonly timeZone: string,
    /** ANALYST_STATEMENT_TIMEOUT */
    private readonly timeoutMs = 0,
  ) {}

  /** The bulletin; `format` (the GraphQL query or the Markdown download) is named in its audit record. */
  async bulletin(
    principal: Principal,
    args: { from: string; to: string; regionPrefix?: string | null },
    format: 'graphql' | 'markdown' = 'graphql',
  ): Promise<Bulletin> {
    const bulletin = await this.make(principal, args);
    const named = { casesRegistered: bulletin.casesRegistered.length, enterprisesOnSeveralLists: bulletin.enterprisesOnSeveralLists.length };
    await appendReadAudit(this.em, principal, {
      action: 'bulletin.read',
      entityType: 'Bulletin',
      entityId: `${bulletin.from}/${bulletin.to}`,
      detail: {
        format,
        from: bulletin.from,
        to: bulletin.to,
        regionPrefix: bulletin.regionPrefix,
        rows: named.casesRegistered + named.enterprisesOnSeveralLists,
        ...named,
      },
    });
    return bulletin;
  }

  private async make(principal: Principal, args: { from: string; to: string; regionPrefix?: string | null }): Promise<Bulletin> {
    authorize(principal, 'analyze');
    const from = ruleValue(parseLocalDate(args.from), 'from');
    const to = ruleValue(parseLocalDate(args.to), 'to');
    if (to < from) throw badInput(`to (${to}) is before from (${from})`, { field: 'to', rule: 'order' });
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
    if (days > MAX_DAYS) throw badInput(`a bulletin covers at most ${MAX_DAYS} days, this one ${days}`, { field: 'to', rule: 'range' });
    const region = args.regionPrefix?.trim() ? `${ruleValue(parseRegionPrefix(args.regionPrefix), 'regionPrefix')}%` : '%';
    // The period as instants: from the start of `from` to the start of the day after `to`, in the hub's zone.
    const period = `between_start.at <= t and t < between_end.at`;
    const bounds = `(select (?::date)::timestamp at time zone ? as at) between_start, (select (?::date + 1)::timestamp at time zone ? as at) between_end`;
    const boundParams = [from, this.timeZone, to, this.timeZone];
    const cases = visibleSql(principal, 'c', 'court_unit_id');
    const entries = visibleSql(principal, 'r', 'publisher_unit_id');
    const seenName = seenColumnSql(principal, 'e', 'name');
    const within = (column: string) => period.replace(/\bt\b/g, column);

    return asAnalyst(this.em, this.timeoutMs, async (em) => {
      const casesRegistered = (
        await em.execute<(Omit<BulletinCase, 'registeredAt'> & { registeredAt: string })[]>(
          `select (select n.number from case_number n where n.case_id = c.id order by n.added_at desc limit 1) as "caseNumber",
             c.debtor_name as "debtorName", court.code as court, c.procedure, c.stage, ${isoTime('c.created_at')} as "registeredAt"
           from bankruptcy_case c join unit court on court.id = c.court_unit_id, ${bounds}
           where ${within('c.created_at')} and c.region_code like ? and ${cases.sql}
           order by c.created_at, c.id`,
          [...boundParams, region, ...cases.params],
        )
      ).map((row) => ({ ...row, registeredAt: new Date(row.registeredAt) }));
      const moves = await em.execute<{ stage: string; count: number }[]>(
        `select s.to_stage as stage, count(*)::int as count
         from case_stage_change s join bankruptcy_case c on c.id = s.case_id, ${bounds}
         where s.version > 1 and ${within('s.occurred_at')} and c.region_code like ? and ${cases.sql}
         group by 1 order by 1`,
        [...boundParams, region, ...cases.params],
      );
      const progress = await em.execute<{ kind: string; count: number }[]>(
        `select p.kind, count(*)::int as count
         from case_progress p join bankruptcy_case c on c.id = p.case_id, ${bounds}
         where ${within('p.recorded_at')} and c.region_code like ? and ${cases.sql}
         group by 1 order by 1`,
        [...boundParams, region, ...cases.params],
      );
      const entryCounts = (column: string) =>
        em.execute<{ listType: string; riskLevel: number; count: number }[]>(
          `select r.list_type as "listType", r.risk_level as "riskLevel", count(*)::int as count
           from risk_entry r, ${bounds}
           where ${within(column)} and r.region_code like ? and ${entries.sql}
           group by 1, 2 order by 1, 2`,
          [...boundParams, region, ...entries.params],
        );
      // On the lists of two or more units at the end of the period, but not at its start (an entry is on a list from
      // its first publication until it is withdrawn).
      const onListsAt = (moment: string) => `r.first_published_at < ${moment} and (r.withdrawn_at is null or r.withdrawn_at >= ${moment})`;
      // The name each enterprise carries for this caller (access/visibility): never one from a row it may not read.
      const several = await em.execute<BulletinEnterprise[]>(
        `select r.uscc, ${seenName.sql} as name, array_agg(distinct u.code order by u.code) filter (where ${onListsAt('between_end.at')}) as units
         from risk_entry r join unit u on u.id = r.publisher_unit_id join enterprise e on e.uscc = r.uscc, ${bounds}
         where r.region_code like ? and ${entries.sql}
           -- only an entry that started in the period can put an enterprise newly on a second list
           and r.uscc in (select started.uscc from risk_entry started where ${within('started.first_published_at')})
         group by r.uscc, e.uscc
         having count(distinct r.publisher_unit_id) filter (where ${onListsAt('between_end.at')}) >= 2
            and count(distinct r.publisher_unit_id) filter (where ${onListsAt('between_start.at')}) < 2
         order by r.uscc`,
        [...seenName.params, ...boundParams, region, ...entries.params],
      );
      return {
        from,
        to,
        regionPrefix: args.regionPrefix?.trim() || null,
        timeZone: this.timeZone,
        casesRegistered,
        stageMoves: moves,
        casesEnded: moves.filter((move) => END_STAGES.includes(move.stage as CaseStage)),
        progress,
        entriesAdded: await entryCounts('r.first_published_at'),
        entriesWithdrawn: await entryCounts('r.withdrawn_at'),
        enterprisesOnSeveralLists: several,
      };
    });
  }
}
