/** Units by id, batched per request (RiskEntry.publisher, RiskPublication.actingUnit, …). */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Unit } from './unit.entity';

export function unitLoader(em: EntityManager): DataLoader<string, Unit | null> {
  return new DataLoader(async (ids) => {
    const units = await em.find(Unit, { id: { $in: [...ids] } });
    return ids.map((id) => units.find((unit) => unit.id === id) ?? null);
  });
}
