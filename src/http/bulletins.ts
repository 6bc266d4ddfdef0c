/**
 * `GET /bulletins?from=YYYY-MM-DD&to=YYYY-MM-DD&regionPrefix=…`: the periodic bulletin as Markdown, for printing
 * and sending (ANALYZE; the key in the Authorization header as for GraphQL).
 */
import type { RequestHandler } from 'express';
import { authenticate } from '../access/authenticate';
import { bearerKey } from '../access/keys';
import type { HubRuntime } from '../graphql/context';
import { badInput } from '../errors';
import { bulletinMarkdown } from '../modules/analytics/bulletin-markdown';
import { BulletinService } from '../modules/analytics/bulletin.service';
import { replyError } from './http-errors';

/** The handler of GET /bulletins. */
export function bulletinRoute(runtime: HubRuntime): RequestHandler {
  return async (req, res) => {
    try {
      const principal = await authenticate(runtime.orm.em.fork(), bearerKey(req.headers.authorization), runtime.credentialCache);
      const param = (name: string, required: boolean) => {
        const value = req.query[name];
        if (!required && (value === undefined || (typeof value === 'string' && !value.trim()))) return null;
        if (typeof value !== 'string' || !value.trim())
          throw badInput(`${name} is required once, e.g. ${name}=2026-11-01`, { field: name, rule: 'required' });
        return value.trim();
      };
      const bulletin = await new BulletinService(runtime.orm.em.fork(), runtime.config.timeZone, runtime.config.analystStatementTimeoutMs).bulletin(
        principal,
        {
          from: param('from', true)!,
          to: param('to', true)!,
          regionPrefix: param('regionPrefix', false),
        },
        'markdown',
      );
      res.status(200).set({ 'content-type': 'text/markdown; charset=utf-8', 'cache-control': 'no-store' }).send(bulletinMarkdown(bulletin));
    } catch (error) {
      replyError(res, error, runtime.log);
    }
  };
}
