import { createHash } from 'node:crypto';
import { sql } from '../support/db';
import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.stop());

const CREDENTIAL_FIELDS = 'id keyHint label roles status expiresAt revokedAt createdAt unit { code }';
const ISSUE = `mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key credential { ${CREDENTIAL_FIELDS} } } }`;
const LIST = `query($unit: String!) { credentials(unit: $unit) { ${CREDENTIAL_FIELDS} } }`;
const REVOKE = `mutation($id: ID!) { revokeCredential(id: $id) { ${CREDENTIAL_FIELDS} } }`;
const ME = `{ me { unit { code isOffice } roles credential { id keyHint status expiresAt } } }`;
const CREATE_UNIT = `mutation($input: CreateUnitInput!) { createUnit(input: $input) { code } }`;
const UPDATE_UNIT = `mutation($input: UpdateUnitInput!) { updateUnit(input: $input) { code active } }`;

/** Admits a unit (kind TAX unless told) for one test; codes are unique per test so tests do not share state. */
async function unit(code: string, kind = 'TAX'): Promise<string> {
  const result = await t.gql(CREATE_UNIT, { input: { code, kind, name: `${code} 测试单位`, regionCode: '140800' } });
  expect(result.errors).toBeUndefined();
  return code;
}

async function issue(input: Record<string, unknown>, key?: string) {
  return t.gql(ISSUE, { input }, key);
}

/** Issues a credential and returns its key and node, failing the test on any error. */
async function issued(input: Record<string, unknown>): Promise<{ key: string; credential: any }> {
  const result = await issue(input);
  expect(result.errors).toBeUndefined();
  return result.data.issueCredential;
}

async function credentialCount(code: string): Promise<number> {
  const [row] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from credential c join unit u on u.id = c.unit_id where u.code = $1', [
    code,
  ]);
  return Number(row.n);
}

/** A POST to the hub with a raw Authorization header (or none). */
async function withHeader(authorization: string | undefined, query = ME) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as any;
  return { status: response.status, data: body.data, errors: body.errors as any[] | undefined };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('issuing and listing credentials', () => {
  it('issueCredential returns the key once, and the key works: me shows its unit and roles', async () => {
    await unit('CR-ISSUE');
    const { key, credential } = await issued({ unit: 'cr-issue', roles: ['READ', 'PUBLISH', 'READ'], label: '税务系统' });
    expect(key).toMatch(/^fyh_[A-Za-z0-9_-]{43}$/);
    expect(credential).toMatchObject({
      keyHint: key.slice(0, 8),
      label: '税务系统',
      status: 'ACTIVE',
      expiresAt: null,
      revokedAt: null,
      unit: { code: 'CR-ISSUE' },
    });
    expect([...credential.roles].sort()).toEqual(['PUBLISH', 'READ']);

    const me = await t.gql(ME, {}, key);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.unit).toEqual({ code: 'CR-ISSUE', isOffice: false });
    expect([...me.data.me.roles].sort()).toEqual(['PUBLISH', 'READ']);
    expect(me.data.me.credential).toMatchObject({ id: credential.id, keyHint: key.slice(0, 8), status: 'ACTIVE', expiresAt: null });
  });

  it('two issues give two different keys', async () => {
    await unit('CR-TWO');
    const a = await issued({ unit: 'CR-TWO', roles: ['READ'] });
    const b = await issued({ unit: 'CR-TWO', roles: ['READ'] });
    expect(a.key).not.toBe(b.key);
    expect(a.credential.id).not.toBe(b.credential.id);
  });

  it('credentials(unit) lists the keys newest first, with statuses, and never reveals a key', async () => {
    await unit('CR-LIST');
    const keys: string[] = [];
    const ids: string[] = [];
    for (const roles of [['READ'], ['SUBSCRIBE'], ['PUBLISH', 'READ']]) {
      const { key, credential } = await issued({ unit: 'CR-LIST', roles, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      keys.push(key);
      ids.push(credential.id);
    }
    // The first expires (moved into the past directly), the second is revoked, the third stays active.
    await sql(t.databaseUrl, "update credential set expires_at = now() - interval '1 minute' where id = $1", [ids[0]]);
    expect((await t.gql(REVOKE, { id: ids[1] })).errors).toBeUndefined();

    const list = await t.gql(LIST, { unit: 'cr-list' });
    expect(list.errors).toBeUndefined();
    const nodes = list.data.credentials;
    expect(nodes.map((n: any) => n.id)).toEqual([...ids].reverse());
    expect(nodes.map((n: any) => n.status)).toEqual(['ACTIVE', 'REVOKED', 'EXPIRED']);
    for (const [i, node] of [...nodes].reverse().entries()) {
      expect(node.keyHint).toBe(keys[i].slice(0, 8));
      expect(node.keyHint.length).toBeLessThan(keys[i].length / 4);
      expect(node.unit.code).toBe('CR-LIST');
    }
    const text = JSON.stringify(list.body);
    for (const key of keys) expect(text).not.toContain(key);
    expect(nodes[1].revokedAt).not.toBeNull();
    expect(nodes[0].revokedAt).toBeNull();
  });

  it('the Credential type has no field that could hold the key', async () => {
    const schema = await t.gql(`{ __type(name: "Credential") { fields { name } } }`);
    const names: string[] = schema.data.__type.fields.map((f: { name: string }) => f.name);
    expect(names).toContain('keyHint');
    expect(names.filter((name) => /^key$|keyHash|secret|token/i.test(name))).toEqual([]);
  });

  it('credentials of a unit without any is an empty list; of an unknown unit is NOT_FOUND', async () => {
    await unit('CR-NONE');
    expect((await t.gql(LIST, { unit: 'CR-NONE' })).data.credentials).toEqual([]);
    const unknown = await t.gql(LIST, { unit: 'CR-NOBODY' });
    expect(unknown.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('an expiresAt in the future shows in credentials and in me, and the key works until then', async () => {
    await unit('CR-EXP-FUTURE');
    const expiresAt = new Date(Date.now() + 7 * 24 * 3_600_000);
    expiresAt.setUTCMilliseconds(0);
    const { key, credential } = await issued({ unit: 'CR-EXP-FUTURE', roles: ['READ'], expiresAt: expiresAt.toISOString() });
    expect(credential.expiresAt).toBe(expiresAt.toISOString());
    const list = await t.gql(LIST, { unit: 'CR-EXP-FUTURE' });
    expect(list.data.credentials).toEqual([expect.objectContaining({ id: credential.id, expiresAt: expiresAt.toISOString(), status: 'ACTIVE' })]);
    const me = await t.gql(ME, {}, key);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.credential).toMatchObject({ id: credential.id, expiresAt: expiresAt.toISOString(), status: 'ACTIVE' });
  });

  it('the stored row holds only the SHA-256 hash of the key', async () => {
    await unit('CR-HASH');
    const { key, credential } = await issued({ unit: 'CR-HASH', roles: ['READ'] });
    const [row] = await sql<{ key_hash: string; key_hint: string }>(t.databaseUrl, 'select key_hash, key_hint from credential where id = $1', [
      credential.id,
    ]);
    expect(row.key_hash).toBe(sha256(key));
    expect(row.key_hint).toBe(key.slice(0, 8));
    const [whole] = await sql<{ text: string }>(t.databaseUrl, 'select row_to_json(c)::text as text from credential c where id = $1', [
      credential.id,
    ]);
    expect(whole.text).toContain(sha256(key));
    expect(whole.text).not.toContain(key);
    // Nor is the key copied into the audit trail.
    const [audit] = await sql<{ n: string }>(t.databaseUrl, 'select count(*) as n from audit_record where strpos(detail::text, $1) > 0', [key]);
    expect(Number(audit.n)).toBe(0);
    const issuedAudit = await sql<{ action: string }>(t.databaseUrl, 'select action from audit_record where entity_id = $1', [credential.id]);
    expect(issuedAudit.map((r) => r.action)).toEqual(['credential.issue']);
  });
});

describe('refusals when issuing', () => {
  it('empty roles: BAD_USER_INPUT naming roles, nothing written', async () => {
    await unit('CR-EMPTY');
    const result = await issue({ unit: 'CR-EMPTY', roles: [] });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roles' });
    expect(await credentialCount('CR-EMPTY')).toBe(0);
  });

  it('ADMIN for a unit that is not the office: BAD_USER_INPUT (adminOfficeOnly) and nothing written', async () => {
    await unit('CR-ADMIN');
    await issued({ unit: 'CR-ADMIN', roles: ['READ'] });
    const auditBefore = await sql(t.databaseUrl, 'select id from audit_record');
    const result = await issue({ unit: 'CR-ADMIN', roles: ['READ', 'ADMIN'] });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'roles', rule: 'adminOfficeOnly' });
    expect(result.data).toBeNull();
    expect(await credentialCount('CR-ADMIN')).toBe(1);
    expect((await t.gql(LIST, { unit: 'CR-ADMIN' })).data.credentials).toHaveLength(1);
    expect(await sql(t.databaseUrl, 'select id from audit_record')).toHaveLength(auditBefore.length);
  });

  it('the office may be given ADMIN', async () => {
    const { key } = await issued({ unit: 'OFFICE', roles: ['ADMIN'] });
    const me = await t.gql(ME, {}, key);
    expect(me.data.me).toMatchObject({ unit: { code: 'OFFICE', isOffice: true }, roles: ['ADMIN'] });
  });

  it('expiresAt in the past: BAD_USER_INPUT naming expiresAt, nothing written', async () => {
    await unit('CR-PAST');
    const result = await issue({ unit: 'CR-PAST', roles: ['READ'], expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    expect(await credentialCount('CR-PAST')).toBe(0);
  });

  it('an unknown unit: NOT_FOUND', async () => {
    const result = await issue({ unit: 'CR-NOWHERE', roles: ['READ'] });
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(result.errors?.[0].message).toContain('CR-NOWHERE');
  });

  it('a deactivated unit: BAD_USER_INPUT, nothing written; reactivated, it gets keys again', async () => {
    await unit('CR-DEACT');
    expect((await t.gql(UPDATE_UNIT, { input: { code: 'CR-DEACT', active: false } })).data.updateUnit.active).toBe(false);
    const result = await issue({ unit: 'CR-DEACT', roles: ['READ'] });
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'unit' });
    expect(result.errors?.[0].message).toContain('deactivated');
    expect(await credentialCount('CR-DEACT')).toBe(0);
    await t.gql(UPDATE_UNIT, { input: { code: 'CR-DEACT', active: true } });
    await issued({ unit: 'CR-DEACT', roles: ['READ'] });
    expect(await credentialCount('CR-DEACT')).toBe(1);
  });

  it.each([
    ['a member unit with READ and PUBLISH', 'CR-MEMBER', ['READ', 'PUBLISH', 'SUBSCRIBE', 'ANALYZE', 'PERSONAL_DATA']],
    ['the office without ADMIN', 'OFFICE', ['READ', 'PUBLISH', 'SUBSCRIBE', 'ANALYZE', 'PERSONAL_DATA']],
  ])('%s may not issue, list or revoke (FORBIDDEN)', async (_what, code, roles) => {
    const caller = await t.keyFor(code, roles, 'TAX');
    await unit(`CR-VICTIM-${code}`);
    const victim = await issued({ unit: `CR-VICTIM-${code}`, roles: ['READ'] });

    const issuing = await issue({ unit: `CR-VICTIM-${code}`, roles: ['READ'] }, caller);
    expect(issuing.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(issuing.errors?.[0].message).toContain('ADMIN');
    expect(await credentialCount(`CR-VICTIM-${code}`)).toBe(1);

    const listing = await t.gql(LIST, { unit: `CR-VICTIM-${code}` }, caller);
    expect(listing.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(listing.data).toBeNull();

    const revoking = await t.gql(REVOKE, { id: victim.credential.id }, caller);
    expect(revoking.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const me = await t.gql(ME, {}, victim.key);
    expect(me.data.me.credential.status).toBe('ACTIVE');
  });
});

describe('authentication', () => {
  it('no Authorization header: UNAUTHENTICATED', async () => {
    const result = await t.gql(ME, {}, null);
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.errors?.[0].message).toContain('Bearer');
    expect(result.data).toBeNull();
  });

  it('an unknown key: UNAUTHENTICATED', async () => {
    const result = await t.gql(ME, {}, 'fyh_thisKeyWasNeverIssuedByThisHubAtAll0000000');
    expect(result.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const units = await t.gql(`{ units { totalCount } }`, {}, 'nope');
    expect(units.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('the scheme must be Bearer: Basic, a bare key or an empty Bearer are UNAUTHENTICATED', async () => {
    await unit('CR-SCHEME');
    const { key } = await issued({ unit: 'CR-SCHEME', roles: ['READ'] });
    expect((await withHeader(`Bearer ${key}`)).data.me.unit.code).toBe('CR-SCHEME');
    for (const header of ['Basic xyz', `Basic ${key}`, key, 'Bearer', 'Bearer ', `Token ${key}`, '']) {
      const result = await withHeader(header);
      expect({ header, code: result.errors?.[0].extensions?.code }).toEqual({ header, code: 'UNAUTHENTICATED' });
      expect(result.data).toBeNull();
    }
  });

  it('an expired key: UNAUTHENTICATED, and credentials shows it EXPIRED', async () => {
    await unit('CR-EXPIRED');
    const { key, credential } = await issued({
      unit: 'CR-EXPIRED',
      roles: ['READ'],
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await t.gql(ME, {}, key)).data.me.credential.status).toBe('ACTIVE');
    await sql(t.databaseUrl, "update credential set expires_at = now() - interval '1 minute' where id = $1", [credential.id]);
    // Written straight into PostgreSQL, bypassing the hub: seen within CREDENTIAL_CACHE_MS (1 s by default).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refused = await t.gql(ME, {}, key);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0].message).toContain('expired');
    const list = await t.gql(LIST, { unit: 'CR-EXPIRED' });
    expect(list.data.credentials).toEqual([expect.objectContaining({ id: credential.id, status: 'EXPIRED', revokedAt: null })]);
  });

  it('a revoked key: UNAUTHENTICATED on the very next request', async () => {
    await unit('CR-REVOKED');
    const { key, credential } = await issued({ unit: 'CR-REVOKED', roles: ['READ'] });
    const other = await issued({ unit: 'CR-REVOKED', roles: ['READ'] });
    expect((await t.gql(ME, {}, key)).data.me.unit.code).toBe('CR-REVOKED');
    const revoked = await t.gql(REVOKE, { id: credential.id });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data.revokeCredential).toMatchObject({ id: credential.id, status: 'REVOKED' });
    expect(revoked.data.revokeCredential.revokedAt).not.toBeNull();
    const refused = await t.gql(ME, {}, key);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0].message).toContain('revoked');
    // The unit's other key is untouched.
    expect((await t.gql(ME, {}, other.key)).data.me.credential.status).toBe('ACTIVE');
  });

  it('revoking twice is harmless and keeps the first revokedAt (and one audit record)', async () => {
    await unit('CR-TWICE');
    const { credential } = await issued({ unit: 'CR-TWICE', roles: ['READ'] });
    const first = await t.gql(REVOKE, { id: credential.id });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await t.gql(REVOKE, { id: credential.id });
    expect(second.errors).toBeUndefined();
    expect(second.data.revokeCredential.status).toBe('REVOKED');
    expect(second.data.revokeCredential.revokedAt).toBe(first.data.revokeCredential.revokedAt);
    const list = await t.gql(LIST, { unit: 'CR-TWICE' });
    expect(list.data.credentials[0].revokedAt).toBe(first.data.revokeCredential.revokedAt);
    const audits = await sql(t.databaseUrl, "select id from audit_record where action = 'credential.revoke' and entity_id = $1", [credential.id]);
    expect(audits).toHaveLength(1);
  });

  it.each([
    ['an unknown id', '3f2b8c1e-0000-4000-8000-000000000000'],
    ['a malformed id', 'not-a-uuid'],
    ['an id with SQL in it', "x' or '1'='1"],
  ])('revokeCredential of %s: NOT_FOUND', async (_what, id) => {
    const result = await t.gql(REVOKE, { id });
    expect(result.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(result.data).toBeNull();
  });

  it('a key without the needed role: FORBIDDEN on units and enterprises, while me still works', async () => {
    const key = await t.keyFor('CR-SUBONLY', ['SUBSCRIBE'], 'COURT');
    expect((await t.gql(ME, {}, key)).data.me.roles).toEqual(['SUBSCRIBE']);
    const units = await t.gql(`{ units { totalCount } }`, {}, key);
    expect(units.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const enterprises = await t.gql(`{ enterprises { totalCount } }`, {}, key);
    expect(enterprises.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(enterprises.errors?.[0].message).toContain('READ');
    const enterprise = await t.gql(`{ enterprise(uscc: "91110000600037341L") { name } }`, {}, key);
    expect(enterprise.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('errors over HTTP carry no stack trace', async () => {
    const result = await t.gql(ME, {}, 'nope');
    expect(result.errors?.[0].extensions?.stacktrace).toBeUndefined();
    expect(JSON.stringify(result.body)).not.toMatch(/at .*\.ts:\d+/);
  });
});
