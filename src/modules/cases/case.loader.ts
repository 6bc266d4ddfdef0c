/** Per-request batching of the case ledger's nested fields: a page of cases costs a fixed number of statements. */
import DataLoader from 'dataloader';
import type { Principal } from '../../access/principal';
import type { CaseProgressService } from './case-progress.service';
import type { CaseService, StageChangeRow } from './case.service';
import type { CaseRow, ProgressRow } from './case.sql';

export function caseLoaders(cases: CaseService, progress: CaseProgressService, principal: Principal) {
  return {
    /** Cases of each debtor the caller may see (Enterprise.cases). */
    casesByDebtor: new DataLoader<string, CaseRow[]>((usccs) => cases.byDebtor(principal, usccs)),
    /** A case by id if the caller may see it now, for CaseProgress.case. */
    caseById: new DataLoader<string, CaseRow | null>(async (ids) => {
      const rows = await cases.byIds(principal, ids);
      return ids.map((id) => rows.find((row) => row.id === id) ?? null);
    }),
    stageHistory: new DataLoader<string, StageChangeRow[]>((ids) => cases.stageHistoryOf(principal, ids)),
    /** The timeline of each case, whole (last null) or its `last` most recent entries; batched per `last`. */
    timeline: new DataLoader<{ caseId: string; last: number | null }, ProgressRow[], string>(
      async (keys) => {
        const byLast = new Map<number | null, string[]>();
        for (const key of keys) byLast.set(key.last, [...(byLast.get(key.last) ?? []), key.caseId]);
        const answers = new Map<string, ProgressRow[]>();
        for (const [last, ids] of byLast) {
          const timelines = await progress.timelineOf(principal, ids, last);
          ids.forEach((id, i) => answers.set(`${id}:${last}`, timelines[i]));
        }
        return keys.map((key) => answers.get(`${key.caseId}:${key.last}`)!);
      },
      { cacheKeyFn: (key) => `${key.caseId}:${key.last}` },
    ),
  };
}
