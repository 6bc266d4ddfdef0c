/** Per-request batching of the case ledger's nested fields: a page of cases costs a fixed number of statements. */
import DataLoader from 'dataloader';
import type { Principal } from '../../access/principal';
import { sizedListLoader } from '../../graphql/list-size';
import type { CaseProgressService } from './case-progress.service';
import type { StageChangeRow } from './case-reads';
import type { CaseService } from './case.service';
import type { CaseRow, ProgressRow } from './case.sql';

export function caseLoaders(cases: CaseService, progress: CaseProgressService, principal: Principal) {
  return {
    /** The first cases of each debtor the caller may see (Enterprise.cases), batched per size. */
    casesByDebtor: sizedListLoader<string, CaseRow>(
      (usccs, first) => cases.byDebtor(principal, usccs, first),
      (uscc) => uscc,
    ),
    /** How many cases of each debtor the caller may see (Enterprise.caseCount). */
    caseCountByDebtor: new DataLoader<string, number>((usccs) => cases.countByDebtor(principal, usccs)),
    /** A case by id if the caller may see it now, for CaseProgress.case. */
    caseById: new DataLoader<string, CaseRow | null>(async (ids) => {
      const rows = await cases.byIds(principal, ids);
      return ids.map((id) => rows.find((row) => row.id === id) ?? null);
    }),
    stageHistory: new DataLoader<string, StageChangeRow[]>((ids) => cases.stageHistoryOf(principal, ids)),
    /** The `last` most recent entries of each case's timeline, oldest first; batched per `last`. */
    timeline: sizedListLoader<string, ProgressRow>(
      (ids, last) => progress.timelineOf(principal, ids, last),
      (id) => id,
    ),
    /** How many entries each case's timeline has (Case.progressCount). */
    progressCount: new DataLoader<string, number>((ids) => progress.countOf(principal, ids)),
  };
}
