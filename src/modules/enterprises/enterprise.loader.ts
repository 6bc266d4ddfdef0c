/** Enterprises by USCC, batched per request, personal data masked by the visibility rule. */
import DataLoader from 'dataloader';
import type { Principal } from '../../access/principal';
import type { EnterpriseView } from '../../access/visibility';
import type { EnterpriseService } from './enterprise.service';

export function enterpriseLoader(enterprises: EnterpriseService, principal: Principal): DataLoader<string, EnterpriseView | null> {
  return new DataLoader((usccs) => enterprises.byUsccs(principal, usccs));
}
