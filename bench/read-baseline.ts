/**
 * The read benchmark's baseline: a plain Node `http` server whose handler runs the SQL equivalent to the hub's
 * `riskEntries(filter: { minRiskLevel: ORANGE }, first: 50) { … enterprise { name uscc } }` through a `pg` Pool
 * and answers the same JSON. It runs in a worker thread of the bench process by default (its own event loop,
 * so that autocannon, which runs on the main thread, does not share one with it), or on the main thread.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'pg';

export interface BaselineOptions {
  databaseUrl: string;
  poolSize: number;
  /** The reader's unit: the same visibility rule as the hub applies (src/access/visibility.ts). */
  unit: { id: string; code: string; kind: string };
}

const LEVEL_NAMES = ['', 'RED', 'ORANGE', 'YELLOW', 'BLUE'];

/** The 50 newest active entries of level ORANGE or higher the unit may see, with the enterprise's name and USCC. */
export const BASELINE_SQL = `select r.uscc, r.enterprise_name, r.risk_level, r.published_at, e.name as e_name, e.uscc as e_uscc
  from risk_entry r join enterprise e on e.uscc = r.uscc
  where (r.classification = 'SHARED' or r.publisher_unit_id = $1 or $2 = any(r.shared_unit_codes) or $3 = any(r.shared_kinds))
    and r.status = 'ACTIVE' and r.risk_level <= 2
  order by r.published_at desc, r.id desc
  limit 50`;

export async function startBaseline(options: BaselineOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  const params = [options.unit.id, options.unit.code, options.unit.kind];
  const server: Server = createServer((req, res) => {
    // The request body (the GraphQL query) is read and ignored: the handler always answers this one query.
    req.resume();
    req.on('end', () => {
      pool
        .query<{ uscc: string; enterprise_name: string; risk_level: number; published_at: Date; e_name: string; e_uscc: string }>({
          text: BASELINE_SQL,
          values: params,
          name: 'bench-baseline',
        })
        .then(
          ({ rows }) => {
            const body = JSON.stringify({
              data: {
                riskEntries: {
                  edges: rows.map((row) => ({
                    node: {
                      uscc: row.uscc,
                      enterpriseName: row.enterprise_name,
                      riskLevel: LEVEL_NAMES[row.risk_level],
                      publishedAt: row.published_at.toISOString(),
                      enterprise: { name: row.e_name, uscc: row.e_uscc },
                    },
                  })),
                },
              },
            });
            res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
            res.end(body);
          },
          (error: Error) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ errors: [{ message: error.message }] }));
          },
        );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

// As a worker thread: start, report the URL, stop when told.
if (!isMainThread && parentPort && (workerData as { baseline?: BaselineOptions })?.baseline) {
  const port = parentPort;
  startBaseline((workerData as { baseline: BaselineOptions }).baseline).then(
    (baseline) => {
      port.postMessage({ url: baseline.url });
      port.on('message', (message: string) => {
        if (message === 'stop') void baseline.stop().then(() => port.postMessage({ stopped: true }));
      });
    },
    (error: Error) => port.postMessage({ error: error.message }),
  );
}
