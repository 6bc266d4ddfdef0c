/**
 * `GET /export/risk-entries.csv?…` and `GET /export/cases.csv?…`: CSV exports for analysts (ANALYZE), with the
 * filters of `riskEntries` and `cases` as query parameters (lists comma-separated), streamed batch by batch with
 * the socket's backpressure, UTF-8 with a byte-order mark so that Excel opens Chinese text correctly. A refusal
 * before the first byte is the GraphQL error shape with its HTTP status.
 */
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { Request, RequestHandler, Response } from 'express';
import { authenticate } from '../access/authenticate';
import { bearerKey } from '../access/keys';
import type { HubRuntime } from '../graphql/context';
import { badInput } from '../errors';
import { loggable } from '../graphql/format-error';
import { ExportService, CASE_HEADER, RISK_ENTRY_HEADER } from '../modules/analytics/export.service';
import { replyError } from './http-errors';
import { CaseProcedure, CaseStage } from '../modules/cases/case-stage';
import type { CaseFilter } from '../modules/cases/case-reads';
import { RiskListType } from '../risk-list-type';
import { EntryStatusFilter, type RiskEntryFilter } from '../modules/risk-lists/risk-entry.queries';
import { RiskCategory, RiskLevel } from '../risk-level';
import { UnitKind } from '../access/unit-kind';

/** The UTF-8 byte-order mark: Excel reads the file as UTF-8 only with it. */
const BOM = '\uFEFF';

/** The two export routes. */
export function exportRoutes(runtime: HubRuntime): { riskEntries: RequestHandler; cases: RequestHandler } {
  return {
    riskEntries: csvRoute(runtime, 'risk-entries.csv', RISK_ENTRY_HEADER, (exports, principal, req) =>
      exports.riskEntries(principal, riskEntryFilter(req)),
    ),
    cases: csvRoute(runtime, 'cases.csv', CASE_HEADER, (exports, principal, req) => exports.cases(principal, caseFilter(req))),
  };
}

function csvRoute(
  runtime: HubRuntime,
  filename: string,
  header: string[],
  rows: (exports: ExportService, principal: Awaited<ReturnType<typeof authenticate>>, req: Request) => AsyncGenerator<string[][]>,
): RequestHandler {
  return async (req, res) => {
    const em = runtime.orm.em.fork();
    let started = false;
    try {
      const principal = await authenticate(em, bearerKey(req.headers.authorization), runtime.credentialCache);
      const batches = rows(new ExportService(em, runtime.config.analystStatementTimeoutMs), principal, req);
      // The first batch is read before the first byte, so that a refusal (ANALYZE, a bad filter) is still an error.
      let next = await batches.next();
      res
        .status(200)
        .set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' });
      started = true;
      await write(res, BOM + stringify([header]));
      while (!next.done) {
        if (!(await write(res, stringify(next.value.map(safeRow))))) return void (await batches.return(undefined));
        next = await batches.next();
      }
      res.end();
    } catch (error) {
      if (started) {
        runtime.log.error({ err: loggable(error) }, 'an export failed while streaming');
        res.destroy();
        return;
      }
      replyError(res, error, runtime.log);
    }
  };
}

/**
 * Writes a chunk, waiting while the client's socket is full; false when the client has gone (an aborted download
 * emits `close`, never `drain`).
 */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  return !res.destroyed;
}

/**
 * A cell a spreadsheet would read as a formula (=, +, -, @, tab, carriage return first) is written with a leading
 * apostrophe: any publishing unit controls the text of its rows, and the export is made to be opened in Excel.
 */
function safeRow(row: string[]): string[] {
  return row.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell));
}

function riskEntryFilter(req: Request): RiskEntryFilter {
  const q = new Query(req);
  return {
    listTypes: q.enums('listTypes', RiskListType),
    publishers: q.list('publishers'),
    publisherKinds: q.enums('publisherKinds', UnitKind),
    minRiskLevel: q.riskLevel('minRiskLevel'),
    categories: q.enums('categories', RiskCategory),
    regionPrefix: q.one('regionPrefix'),
    status: q.single('status', EntryStatusFilter),
    effectiveFrom: q.one('effectiveFrom'),
    effectiveTo: q.one('effectiveTo'),
    publishedFrom: q.time('publishedFrom'),
    publishedTo: q.time('publishedTo'),
    uscc: q.one('uscc'),
    enterpriseName: q.one('enterpriseName'),
  };
}

function caseFilter(req: Request): CaseFilter {
  const q = new Query(req);
  const flag = (name: string) => {
    const value = q.one(name);
    if (value === null) return null;
    if (value !== 'true' && value !== 'false') throw badInput(`${name} is true or false`, { field: name, rule: 'boolean' });
    return value === 'true';
  };
  return {
    stages: q.enums('stages', CaseStage),
    procedures: q.enums('procedures', CaseProcedure),
    courts: q.list('courts'),
    regionPrefix: q.one('regionPrefix'),
    major: flag('major'),
    sensitive: flag('sensitive'),
    minRiskLevel: q.riskLevel('minRiskLevel'),
    debtorUscc: q.one('debtorUscc'),
    debtorName: q.one('debtorName'),
    updatedSince: q.time('updatedSince'),
  };
}

/** The query parameters of an export, each checked with a BAD_USER_INPUT naming it. */
class Query {
  constructor(private readonly req: Request) {}

  one(name: string): string | null {
    const value = this.req.query[name];
    if (value === undefined) return null;
    if (typeof value !== 'string') throw badInput(`${name} is given once`, { field: name, rule: 'type' });
    return value.trim() || null;
  }

  list(name: string): string[] | null {
    const value = this.one(name);
    return value === null
      ? null
      : value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
  }

  enums<E extends Record<string, string>>(name: string, values: E): E[keyof E][] | null {
    const items = this.list(name);
    if (!items) return null;
    const allowed = Object.values(values);
    const unknown = items.filter((item) => !allowed.includes(item));
    if (unknown.length) throw badInput(`${name}: ${unknown.join(', ')} is not one of ${allowed.join(', ')}`, { field: name, rule: 'enum' });
    return items as E[keyof E][];
  }

  single<E extends Record<string, string>>(name: string, values: E): E[keyof E] | null {
    const items = this.enums(name, values);
    if (items && items.length > 1) throw badInput(`${name} takes one value`, { field: name, rule: 'single' });
    return items?.[0] ?? null;
  }

  riskLevel(name: string): RiskLevel | null {
    const value = this.one(name);
    if (value === null) return null;
    const level = RiskLevel[value as keyof typeof RiskLevel];
    if (typeof level !== 'number') throw badInput(`${name} is one of RED, ORANGE, YELLOW, BLUE`, { field: name, rule: 'enum' });
    return level;
  }

  time(name: string): Date | null {
    const value = this.one(name);
    if (value === null) return null;
    const date = new Date(value);
    // With its offset, as the GraphQL filters take it: without one it would be read in the server's zone.
    if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) {
      throw badInput(`${name} is a date and time with its offset, such as 2026-11-01T00:00:00+08:00`, { field: name, rule: 'format' });
    }
    return date;
  }
}
