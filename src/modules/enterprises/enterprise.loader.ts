/** Enterprises by USCC, batched per request (one statement), as the enterprise visibility rule lets the caller see them. */
import DataLoader from 'dataloader';
import type { Principal } from '../../access/principal';
import type { EnterpriseView } from '../../access/visibility';
import type { EnterpriseService } from './enterprise.service';

export function enterpriseLoader(enterprises: EnterpriseService, principal: Principal): DataLoader<string, EnterpriseView | null> {
  return new DataLoader((usccs) => enterprises.byUsccs(principal, usccs));
}
