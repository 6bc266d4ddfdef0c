/**
 * `GET /healthz`: the process is up. `GET /readyz`: the database answers and no migration is pending; a load
 * balancer sends traffic only to ready instances.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pendingMigrations } from '../db/migrate';
import type { Orm } from '../db/orm';

export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: 'up' });
};

export function readyz(orm: Orm, log: Logger): RequestHandler {
  return async (_req, res) => {
    try {
      const pending = await pendingMigrations(orm);
      if (pending.length) {
        res.status(503).json({ status: 'not ready', reason: `${pending.length} migration(s) pending`, pending });
        return;
      }
      res.json({ status: 'ready' });
    } catch (error) {
      log.warn({ err: error }, 'readiness check failed');
      res.status(503).json({ status: 'not ready', reason: 'database unreachable' });
    }
  };
}
