/** Per-request batching of an enterprise's visible active entries and of entries' histories, and of their counts. */
import DataLoader from 'dataloader';
import type { Principal } from '../../access/principal';
import { sizedListLoader } from '../../graphql/list-size';
import { entryVersionKey, type RiskEntryRow } from './risk-entry.sql';
import type { RiskEntryService, RiskEntryVersionRow } from './risk-entry.service';

export function riskEntryLoaders(entries: RiskEntryService, principal: Principal) {
  return {
    /** The first active entries of each enterprise the caller may see, batched per size. */
    activeByUscc: sizedListLoader<string, RiskEntryRow>(
      (usccs, first) => entries.activeByUscc(principal, usccs, first),
      (uscc) => uscc,
    ),
    activeCountByUscc: new DataLoader<string, number>((usccs) => entries.activeCountByUscc(principal, usccs)),
    /** The last versions of each entry (at the version of the node), batched per size. */
    history: sizedListLoader<RiskEntryRow, RiskEntryVersionRow>((rows, last) => entries.historyOf(principal, rows, last), entryVersionKey),
    historyCount: new DataLoader<RiskEntryRow, number, string>((rows) => entries.historyCountOf(principal, rows), { cacheKeyFn: entryVersionKey }),
  };
}
