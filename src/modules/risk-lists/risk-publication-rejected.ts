/**
 * The rows a committed publication rejected under SKIP, as RiskPublication.rejected and rejectedCount read them:
 * stored as one JSON array per publication (up to a publication's every row), they are cut in SQL to the size asked
 * for and counted there, batched per request, so that a page of publications never loads whole arrays. The ids are
 * those of publications the caller was already allowed to see (the list's own rule).
 */
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../../db/sql';
import { countsIn, groupRows, sizedListLoader } from '../../graphql/list-size';
import type { RejectedRow } from './entry-rows';

export function rejectedRowLoaders(em: EntityManager) {
  return {
    /** The first `size` rejected rows of each publication, in the order of the publication's rows. */
    rejectedRows: sizedListLoader<string, RejectedRow>(
      async (ids, first) => {
        const rows = await em.execute<{ id: string; rows: RejectedRow[] }[]>(
          `select p.id, coalesce((select jsonb_agg(e.row order by e.n) from jsonb_array_elements(p.rejected) with ordinality as e(row, n) where e.n <= ?), '[]'::jsonb) as rows
         from risk_publication p where p.id = any(?::uuid[])`,
          [first, pgArray(ids)],
        );
        return groupRows(ids, rows, (row) => row.id).map((found) => found[0]?.rows ?? []);
      },
      (id) => id,
    ),
    rejectedCount: new DataLoader<string, number>(async (ids) => {
      const counts = await em.execute<{ id: string; n: number }[]>(
        'select p.id, jsonb_array_length(p.rejected) as n from risk_publication p where p.id = any(?::uuid[])',
        [pgArray(ids)],
      );
      return countsIn(ids, counts, (row) => row.id);
    }),
  };
}
