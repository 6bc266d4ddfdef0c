/**
 * Reads under accountability (source 003 item 26): every CSV export, bulletin and answer that lets out unmasked
 * personal data writes one audit record (who, which filter, how many rows) — over HTTP and WebSocket, a
 * subscription's deliveries included — and an answer whose record cannot be written does not leave. The office
 * reads them with `auditTrail` (ADMIN), filtered and paged; nobody else can.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { usccCheckCharacter } from '../../src/modules/enterprises/uscc';
import { itWithServer, sql } from '../support/db';
import { subscribeChanges } from '../support/feed';
import { startTestHub, type TestHub } from '../support/hub';

const uscc = (first17: string) => first17 + usccCheckCharacter(first17);
const code = (n: number) => uscc(`91140802MA0X${String(n).padStart(5, '0')}`);
const PHONE = '13800138000';
const ID_NUMBER = '11010519491231002X';

let t: TestHub;
const keys: Record<string, string> = {};
const credentialOf: Record<string, string> = {};

const TRAIL = `query($filter: AuditTrailFilter, $first: Int, $after: String) { auditTrail(filter: $filter, first: $first, after: $after) {
  totalCount edges { cursor node { id occurredAt actingUnit { code } credentialId action entityType entityId detail keyId link previousLink } }
  pageInfo { hasNextPage endCursor } } }`;

async function trail(filter: Record<string, unknown>, first = 50, after?: string) {
  const result = await t.gql(TRAIL, { filter, first, after });
  expect(result.errors).toBeUndefined();
  return result.data.auditTrail;
}

const readRecords = async () =>
  Number((await sql<{ n: string }>(t.databaseUrl, `select count(*) as n from audit_record where action = 'enterprise.readPersonalData'`))[0].n);

async function until<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  t = await startTestHub();
  keys.TAX = await t.keyFor('YC-TAX', ['PUBLISH', 'READ', 'ANALYZE'], 'TAX');
  keys.PD = await t.keyFor('YC-PD', ['READ', 'PERSONAL_DATA', 'SUBSCRIBE', 'ANALYZE'], 'OTHER');
  keys.READER = await t.keyFor('YC-READER', ['READ', 'SUBSCRIBE'], 'OTHER');
  keys.OFFICE_READ = await t.keyFor('OFFICE', ['READ', 'ANALYZE']);
  for (const name of Object.keys(keys)) {
    credentialOf[name] = (await t.gql('{ me { credential { id } } }', {}, keys[name])).data.me.credential.id;
  }
  for (const n of [1, 2, 3]) {
    const result = await t.gql(`mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created } }`, {
      input: { uscc: code(n), name: `个人信息${n}有限公司`, legalRepresentativeIdNumber: n === 3 ? null : ID_NUMBER, contactPhone: PHONE },
    });
    expect(result.errors).toBeUndefined();
  }
  await t.gql(`mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created } }`, {
    input: { uscc: code(4), name: '无个人信息有限公司' },
  });
  const published = await t.gql(
    `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed } }`,
    {
      input: {
        listType: 'TAX_ARREARS',
        mode: 'DELTA',
        idempotencyKey: randomUUID(),
        entries: [1, 2, 3, 4].map((n) => ({
          uscc: code(n),
          enterpriseName: `个人信息${n}有限公司`,
          riskLevel: n === 1 ? 'RED' : 'BLUE',
          categories: ['FINANCIAL'],
          amount: '10.00',
          details: { taxTypes: ['增值税'] },
        })),
      },
    },
    keys.TAX,
  );
  expect(published.data.publishRiskList.committed).toBe(true);
});
afterAll(() => t?.stop());

describe('exports and bulletins', () => {
  const download = (path: string, key: string) => fetch(`${t.url.replace(/\/graphql$/, '')}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('a CSV export writes one record: who, which filter, how many rows, and that it ran to its end', async () => {
    const response = await download('/export/risk-entries.csv?minRiskLevel=BLUE&listTypes=TAX_ARREARS&regionPrefix=1408', keys.TAX);
    expect(response.status).toBe(200);
    await response.text();
    const [record] = (
      await until(async () => {
        const page = await trail({ action: 'riskEntry.export' });
        return page.totalCount ? page : undefined;
      })
    ).edges.map((edge: any) => edge.node);
    expect(record).toMatchObject({
      actingUnit: { code: 'YC-TAX' },
      credentialId: credentialOf.TAX,
      entityType: 'RiskEntry',
      entityId: '*',
      keyId: 'k1',
      detail: { filter: { minRiskLevel: 'BLUE', listTypes: ['TAX_ARREARS'], regionPrefix: '1408' }, rows: 4, complete: true },
    });
    const cases = await download('/export/cases.csv?major=true', keys.PD);
    await cases.text();
    const caseRecord = await until(async () => (await trail({ action: 'case.export' })).edges[0]?.node);
    expect(caseRecord).toMatchObject({
      actingUnit: { code: 'YC-PD' },
      entityType: 'Case',
      detail: { filter: { major: true }, rows: 0, complete: true },
    });
  });

  it('a refused export (no ANALYZE, a bad parameter) writes nothing', async () => {
    const before = (await trail({})).totalCount;
    expect((await download('/export/risk-entries.csv', keys.READER)).status).toBe(403);
    expect((await download('/export/risk-entries.csv?minRiskLevel=PURPLE', keys.TAX)).status).toBe(400);
    expect((await trail({})).totalCount).toBe(before);
  });

  it('the bulletin, as Markdown and as the query, writes one record each, naming the period and the rows', async () => {
    const markdown = await download('/bulletins?from=2026-01-01&to=2026-12-31&regionPrefix=1408', keys.TAX);
    expect(markdown.status).toBe(200);
    const query = await t.gql('{ bulletin(from: "2026-01-01", to: "2026-12-31") { from } }', {}, keys.PD);
    expect(query.errors).toBeUndefined();
    const records = (await trail({ action: 'bulletin.read' })).edges.map((edge: any) => edge.node);
    expect(records).toEqual([
      expect.objectContaining({
        actingUnit: { code: 'YC-PD' },
        entityType: 'Bulletin',
        entityId: '2026-01-01/2026-12-31',
        detail: expect.objectContaining({ format: 'graphql', regionPrefix: null }),
      }),
      expect.objectContaining({
        actingUnit: { code: 'YC-TAX' },
        entityId: '2026-01-01/2026-12-31',
        detail: expect.objectContaining({ format: 'markdown', regionPrefix: '1408', rows: expect.any(Number) }),
      }),
    ]);
  });
});

describe('unmasked personal data', () => {
  it('a page that returns it writes one record for the request, counting the enterprises, never the values', async () => {
    const before = await readRecords();
    const result = await t.gql(
      `query Pages { enterprises(first: 10, filter: { nameContains: "有限公司" }) { edges { node { uscc contactPhone legalRepresentativeIdNumber } } } }`,
      {},
      keys.PD,
    );
    expect(result.errors).toBeUndefined();
    expect(await readRecords()).toBe(before + 1);
    const [record] = (await trail({ action: 'enterprise.readPersonalData', unit: 'yc-pd' }, 1)).edges.map((edge: any) => edge.node);
    expect(record).toMatchObject({
      credentialId: credentialOf.PD,
      entityType: 'Enterprise',
      entityId: '*',
      detail: {
        via: 'http',
        operation: 'Pages',
        type: 'query',
        fields: [{ field: 'enterprises', arguments: 'first: 10, filter: {nameContains: "有限公司"}' }],
        rows: 3,
      },
    });
    expect([...record.detail.usccs].sort()).toEqual([code(1), code(2), code(3)]);
    expect(JSON.stringify(record.detail)).not.toContain(PHONE);
  });

  it("one enterprise is the record's entity; nested reads of a page count once per request; variables are kept", async () => {
    const one = await t.gql(`query($u: USCC!) { enterprise(uscc: $u) { legalRepresentativeIdNumber } }`, { u: code(1) }, keys.PD);
    expect(one.data.enterprise.legalRepresentativeIdNumber).toBe(ID_NUMBER);
    const [record] = (await trail({ action: 'enterprise.readPersonalData', entityId: code(1) }, 1)).edges.map((edge: any) => edge.node);
    expect(record.detail).toMatchObject({
      rows: 1,
      usccs: [code(1)],
      variables: { u: code(1) },
      fields: [{ field: 'enterprise', arguments: 'uscc: $u' }],
    });

    const before = await readRecords();
    const nested = await t.gql(
      `{ a: riskEntries(first: 10) { edges { node { enterprise { contactPhone } } } } b: riskEntries(first: 2) { edges { node { enterprise { contactPhone } } } } }`,
      {},
      keys.PD,
    );
    expect(nested.errors).toBeUndefined();
    expect(await readRecords()).toBe(before + 1);
    const [last] = (await trail({ action: 'enterprise.readPersonalData' }, 1)).edges.map((edge: any) => edge.node);
    expect(last.detail).toMatchObject({ rows: 3, fields: [{ field: 'riskEntries' }, { field: 'riskEntries' }] });
  });

  it('nothing is written when nothing unmasked leaves: masked for the key, fields not asked, values absent', async () => {
    const before = await readRecords();
    const masked = await t.gql(`{ enterprises(first: 10) { edges { node { contactPhone } } } }`, {}, keys.READER);
    expect(masked.data.enterprises.edges.some((edge: any) => edge.node.contactPhone === '138****8000')).toBe(true);
    await t.gql(`{ enterprises(first: 10) { edges { node { uscc name } } } }`, {}, keys.PD);
    await t.gql(`query($u: USCC!) { enterprise(uscc: $u) { contactPhone legalRepresentativeIdNumber } }`, { u: code(4) }, keys.PD);
    expect(await readRecords()).toBe(before);
  });

  it('the same answer with personal data asked twice is audited twice', async () => {
    const before = await readRecords();
    const query = `query($u: USCC!) { enterprise(uscc: $u) { contactPhone } }`;
    const first = await t.gql(query, { u: code(2) }, keys.PD);
    const second = await t.gql(query, { u: code(2) }, keys.PD);
    expect(second.body).toEqual(first.body);
    expect(await readRecords()).toBe(before + 2);
  });

  it('an answer whose record cannot be written does not leave: INTERNAL_SERVER_ERROR, no data, over HTTP and WebSocket', async () => {
    const refuse = `create function refuse_reads() returns trigger language plpgsql as $$ begin raise exception 'no room'; end $$;
      create trigger refuse_reads before insert on audit_record for each row when (new.action = 'enterprise.readPersonalData') execute function refuse_reads();`;
    await sql(t.databaseUrl, refuse);
    try {
      const result = await t.gql(`query($u: USCC!) { enterprise(uscc: $u) { contactPhone } }`, { u: code(1) }, keys.PD);
      expect(result.body).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      const client = createClient({
        url: t.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${keys.PD}` },
        retryAttempts: 0,
      });
      try {
        const ws = await new Promise<any>((resolve, reject) => {
          let last: unknown;
          client.subscribe(
            { query: `{ enterprise(uscc: "${code(1)}") { contactPhone } }` },
            { next: (value) => (last = value), error: reject, complete: () => resolve(last) },
          );
        });
        expect(ws).toEqual({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      } finally {
        await client.dispose();
      }
      // A masked answer needs no record and still leaves.
      expect(
        (await t.gql(`query($u: USCC!) { enterprise(uscc: $u) { contactPhone } }`, { u: code(1) }, keys.READER)).data.enterprise.contactPhone,
      ).toBe('138****8000');
    } finally {
      await sql(t.databaseUrl, 'drop trigger refuse_reads on audit_record; drop function refuse_reads();');
    }
  });

  it('over WebSocket: a query writes one record; a subscription one at its first delivery with personal data, the rest when it ends', async () => {
    const client = createClient({
      url: t.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${keys.PD}` },
      retryAttempts: 0,
    });
    const before = await readRecords();
    try {
      await new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: `query Over { enterprise(uscc: "${code(2)}") { contactPhone } }` },
          { next: () => undefined, error: reject, complete: resolve },
        );
      });
    } finally {
      await client.dispose();
    }
    const [query] = (await trail({ action: 'enterprise.readPersonalData' }, 1)).edges.map((edge: any) => edge.node);
    expect(query.detail).toMatchObject({ via: 'ws', operation: 'Over', type: 'query', rows: 1, usccs: [code(2)] });
    expect(await readRecords()).toBe(before + 1);

    const fields = 'cursor riskEntry { uscc enterprise { uscc contactPhone } }';
    // Two subscribers asking the same share each change's result (feed/result-sharing.ts): each still has its record.
    const live = subscribeChanges(t, keys.PD, { filter: { topics: ['RISK_ENTRY'] } }, fields);
    const twin = subscribeChanges(t, keys.PD, { filter: { topics: ['RISK_ENTRY'] } }, fields);
    const masked = subscribeChanges(t, keys.READER, { filter: { topics: ['RISK_ENTRY'] } }, fields);
    const newest = async (count: number) => (await trail({ action: 'enterprise.readPersonalData' }, count)).edges.map((edge: any) => edge.node);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const publish = async (n: number) => {
        const result = await t.gql(
          `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed } }`,
          {
            input: {
              listType: 'TAX_ARREARS',
              mode: 'DELTA',
              idempotencyKey: randomUUID(),
              entries: [
                {
                  uscc: code(n),
                  enterpriseName: `个人信息${n}有限公司`,
                  riskLevel: 'RED',
                  categories: ['FINANCIAL'],
                  amount: `${n}1.00`,
                  details: { taxTypes: ['增值税'] },
                },
              ],
            },
          },
          keys.TAX,
        );
        expect(result.data.publishRiskList.committed).toBe(true);
      };
      await publish(1);
      await live.waitFor(1);
      await twin.waitFor(1);
      expect(live.received[0].riskEntry.enterprise.contactPhone).toBe(PHONE);
      const firsts = await until(async () => ((await readRecords()) === before + 3 ? newest(2) : undefined));
      for (const first of firsts) expect(first.detail).toMatchObject({ via: 'ws', type: 'subscription', deliveries: 1, rows: 1, usccs: [code(1)] });
      await publish(2);
      await publish(3);
      await live.waitFor(3);
      await twin.waitFor(3);
      await masked.waitFor(3);
      expect(masked.received[2].riskEntry.enterprise.contactPhone).toBe('138****8000');
      // Within ten minutes of the first record the later deliveries are counted, not yet written.
      expect(await readRecords()).toBe(before + 3);
    } finally {
      await live.stop();
      await twin.stop();
      await masked.stop();
    }
    const rests = await until(async () => ((await readRecords()) === before + 5 ? newest(2) : undefined));
    for (const rest of rests) {
      expect(rest.detail).toMatchObject({ via: 'ws', type: 'subscription', deliveries: 2, rows: 2 });
      expect([...rest.detail.usccs].sort()).toEqual([code(2), code(3)]);
    }
    // The key without PERSONAL_DATA got masked values and left no record.
    expect((await trail({ action: 'enterprise.readPersonalData', unit: 'YC-READER' })).totalCount).toBe(0);
  });
});

describe('a subscription open when the hub stops', () => {
  // Reads the trail after the hub stopped: the embedded database stops with its hub.
  itWithServer('the deliveries since its last record go on record before the hub has stopped', async () => {
    const other = await startTestHub();
    try {
      const pd = await other.keyFor('YC-PD', ['READ', 'PERSONAL_DATA', 'SUBSCRIBE'], 'OTHER');
      const tax = await other.keyFor('YC-TAX', ['PUBLISH', 'READ'], 'TAX');
      await other.gql(`mutation($input: RegisterEnterpriseInput!) { registerEnterprise(input: $input) { created } }`, {
        input: { uscc: code(1), name: '停机有限公司', contactPhone: PHONE },
      });
      const live = subscribeChanges(other, pd, { filter: { topics: ['RISK_ENTRY'] } }, 'cursor riskEntry { enterprise { contactPhone } }');
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const amount of ['1.00', '2.00']) {
        const result = await other.gql(
          `mutation($input: PublishRiskListInput!) { publishRiskList(input: $input) { committed } }`,
          {
            input: {
              listType: 'TAX_ARREARS',
              mode: 'DELTA',
              idempotencyKey: randomUUID(),
              entries: [
                {
                  uscc: code(1),
                  enterpriseName: '停机有限公司',
                  riskLevel: 'RED',
                  categories: ['FINANCIAL'],
                  amount,
                  details: { taxTypes: ['增值税'] },
                },
              ],
            },
          },
          tax,
        );
        expect(result.data.publishRiskList.committed).toBe(true);
        await live.waitFor(amount === '1.00' ? 1 : 2);
      }
      const reads = () =>
        sql<{ detail: any }>(
          other.databaseUrl,
          `select detail from audit_record where action = 'enterprise.readPersonalData' order by audit_record.id`,
        );
      expect((await reads()).map((row) => row.detail.deliveries)).toEqual([1]);
      await other.hub.stop();
      expect((await reads()).map((row) => row.detail.deliveries)).toEqual([1, 1]);
      await live.stop();
    } finally {
      await other.stop();
    }
  });
});

describe('auditTrail', () => {
  it('newest first, in pages by id, each record linking to the one before it', async () => {
    const all = await sql<{ id: string }>(t.databaseUrl, 'select id::text as id from audit_record order by audit_record.id desc');
    const seen: any[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await trail({}, 7, after);
      expect(page.totalCount).toBe(all.length);
      seen.push(...page.edges.map((edge: any) => edge.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.map((node) => node.id)).toEqual(all.map((row) => row.id));
    seen.slice(0, -1).forEach((node, i) => expect(node.previousLink).toBe(seen[i + 1].link));
    expect(seen[seen.length - 1].previousLink).toBe('0'.repeat(64));
  });

  it('filters by acting unit, action, entity and time (from included, to excluded)', async () => {
    const writes = await trail({ entityType: 'Enterprise', entityId: code(3) });
    expect(writes.edges.map((edge: any) => edge.node.action)).toEqual(['enterprise.register']);
    const byUnit = await trail({ unit: 'YC-TAX', action: 'riskList.publish' });
    expect(byUnit.totalCount).toBe(4);
    expect(byUnit.edges.every((edge: any) => edge.node.actingUnit.code === 'YC-TAX')).toBe(true);
    const pick = byUnit.edges[1].node;
    const from = await trail({ unit: 'YC-TAX', action: 'riskList.publish', from: pick.occurredAt });
    expect(from.edges.map((edge: any) => edge.node.id)).toEqual(byUnit.edges.slice(0, 2).map((edge: any) => edge.node.id));
    const to = await trail({ unit: 'YC-TAX', action: 'riskList.publish', to: pick.occurredAt });
    expect(to.edges.map((edge: any) => edge.node.id)).toEqual(byUnit.edges.slice(2).map((edge: any) => edge.node.id));
    expect((await trail({ unit: 'NO-SUCH-UNIT' })).totalCount).toBe(0);
  });

  it('refusals: a unit that is not the office, the office without ADMIN, no key; a bad cursor or period', async () => {
    for (const key of [keys.TAX, keys.PD, keys.OFFICE_READ]) {
      const result = await t.gql(TRAIL, {}, key);
      expect(result.data).toBeNull();
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
      expect(result.errors?.[0].message).toContain('readAuditTrail needs an office credential with ADMIN');
    }
    expect((await t.gql(TRAIL, {}, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const badCursor = await t.gql(TRAIL, { after: Buffer.from(JSON.stringify(['1; drop table unit'])).toString('base64url') });
    expect(badCursor.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after', rule: 'cursor' });
    const badPeriod = await t.gql(TRAIL, { filter: { from: '2026-12-01T00:00:00+08:00', to: '2026-11-01T00:00:00+08:00' } });
    expect(badPeriod.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to', rule: 'order' });
  });
});
