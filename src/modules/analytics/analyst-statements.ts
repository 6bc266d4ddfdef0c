/**
 * Every statement an analyst's request runs (aggregates, the bulletin, submission status, each batch of an export)
 * runs in a transaction of its own under ANALYST_STATEMENT_TIMEOUT (`SET LOCAL statement_timeout`); a statement
 * cancelled for it is LIMIT_EXCEEDED naming the limit. (The embedded database does not enforce it: README.)
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { limitExceeded } from '../../errors';

/** PostgreSQL's code for a statement cancelled by statement_timeout. */
const QUERY_CANCELED = '57014';

/** Runs `work` in a transaction whose statements may each take at most `timeoutMs` (0: no limit). */
export async function asAnalyst<T>(em: EntityManager, timeoutMs: number, work: (em: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await em.transactional(async (inner) => {
      if (timeoutMs > 0) await inner.execute(`set local statement_timeout = ${Math.floor(timeoutMs)}`);
      return work(inner);
    });
  } catch (error) {
    if ((error as { code?: string }).code === QUERY_CANCELED) {
      throw limitExceeded(
        `the query ran longer than ANALYST_STATEMENT_TIMEOUT (${timeoutMs} ms); narrow the filter or the period`,
        'ANALYST_STATEMENT_TIMEOUT',
        timeoutMs,
      );
    }
    throw error;
  }
}
