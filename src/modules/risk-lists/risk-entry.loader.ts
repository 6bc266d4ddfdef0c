/** Per-request batching of an enterprise's visible active entries and of entries' histories. */
import DataLoader from 'dataloader';
import type { Principal } from '../../access/principal';
import type { RiskEntryRow } from './risk-entry.sql';
import type { RiskEntryService, RiskEntryVersionRow } from './risk-entry.service';

export function riskEntryLoaders(entries: RiskEntryService, principal: Principal) {
  return {
    activeByUscc: new DataLoader<string, RiskEntryRow[]>((usccs) => entries.activeByUscc(principal, usccs)),
    history: new DataLoader<RiskEntryRow, RiskEntryVersionRow[], string>((rows) => entries.historyOf(principal, rows), {
      cacheKeyFn: (row) => `${row.id}:${row.version}`,
    }),
  };
}
