/** Enterprises by USCC, batched per request, personal data masked by the visibility rule. */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Principal } from '../../access/principal';
import { enterpriseView, type EnterpriseView } from '../../access/visibility';
import { Enterprise } from './enterprise.entity';

export function enterpriseLoader(em: EntityManager, principal: Principal): DataLoader<string, EnterpriseView | null> {
  return new DataLoader(async (usccs) => {
    const rows = await em.find(Enterprise, { uscc: { $in: [...usccs] } });
    const byUscc = new Map(rows.map((row) => [row.uscc, enterpriseView(principal, row)]));
    return usccs.map((uscc) => byUscc.get(uscc) ?? null);
  });
}
