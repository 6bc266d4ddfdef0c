/**
 * The credential cache (src/access/credential-cache.ts) on a running hub: a repeated key skips its look-up only
 * while the hub hears every commit, and a revocation, a deactivation or an expiry still takes effect on the very
 * next request — on this instance at once, on another as soon as its listener hears the commit.
 */
import pino from 'pino';
import { describeWithServer, sql } from '../support/db';
import { startInstance, startTestHub, type TestHub } from '../support/hub';

const ME = `{ me { unit { code } } }`;
const ISSUE = `mutation($input: IssueCredentialInput!) { issueCredential(input: $input) { key credential { id } } }`;
const REVOKE = `mutation($id: ID!) { revokeCredential(id: $id) { status } }`;

/** A trace logger that keeps the ORM's statements, and how many credential look-ups they hold. */
function lookUps() {
  const lines: string[] = [];
  const log = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  const count = () => lines.filter((line) => /"orm":true/.test(line) && /from credential c join unit u[\s\S]*key_hash = /.test(line)).length;
  return { log, count };
}

/** The look-ups each of `n` requests with `key` cost, in order. */
async function costs(t: TestHub, key: string, count: () => number, n: number): Promise<number[]> {
  const each: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = count();
    const result = await t.gql(ME, {}, key);
    expect(result.errors).toBeUndefined();
    each.push(count() - before);
  }
  return each;
}

/** Waits until `check` holds (a listener connects, a notification arrives), failing after `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('did not happen in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function issued(t: TestHub, unit: string, extra: Record<string, unknown> = {}): Promise<{ key: string; id: string }> {
  await t.keyFor(unit, ['READ'], 'TAX');
  const result = await t.gql(ISSUE, { input: { unit, roles: ['READ'], ...extra } });
  expect(result.errors).toBeUndefined();
  return { key: result.data.issueCredential.key, id: result.data.issueCredential.credential.id };
}

const refusal = async (t: TestHub, key: string) => (await t.gql(ME, {}, key)).errors?.[0];

describeWithServer('the credential cache on the PostgreSQL server', () => {
  const counted = lookUps();
  let t: TestHub;
  let other: TestHub;
  let otherCount: () => number;
  beforeAll(async () => {
    t = await startTestHub({ CREDENTIAL_CACHE_MS: '60000' }, counted.log);
    const second = lookUps();
    other = await startInstance(t, { CREDENTIAL_CACHE_MS: '60000' }, second.log);
    otherCount = second.count;
  }, 60_000);
  afterAll(async () => {
    await other?.stop();
    await t?.stop();
  });

  it('once the listener is connected, a repeated key costs no look-up', async () => {
    const { key } = await issued(t, 'CC-REPEAT');
    // The listener connects shortly after start; until then every request looks its key up.
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
    expect(await costs(t, key, counted.count, 3)).toEqual([0, 0, 0]);
  });

  it('a commit through the hub empties it: the next request looks its key up again', async () => {
    const { key } = await issued(t, 'CC-COMMIT');
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
    await t.keyFor('CC-COMMIT-2', ['READ'], 'TAX');
    expect(await costs(t, key, counted.count, 2)).toEqual([1, 0]);
  });

  it('a key revoked on this instance is refused on the very next request', async () => {
    const { key, id } = await issued(t, 'CC-REVOKE');
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
    expect((await t.gql(REVOKE, { id })).errors).toBeUndefined();
    expect(await refusal(t, key)).toMatchObject({ message: 'the key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('a unit deactivated on this instance: its key is refused on the very next request', async () => {
    const { key } = await issued(t, 'CC-DEACT');
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
    const result = await t.gql(`mutation { updateUnit(input: { code: "CC-DEACT", active: false }) { active } }`);
    expect(result.errors).toBeUndefined();
    expect(await refusal(t, key)).toMatchObject({ message: "the key's unit CC-DEACT has been deactivated" });
  });

  it('a key revoked on another instance is refused there once its listener hears the commit, long before CREDENTIAL_CACHE_MS', async () => {
    const { key, id } = await issued(t, 'CC-ACROSS');
    await eventually(async () => (await costs(other, key, otherCount, 2))[1] === 0);
    expect((await t.gql(REVOKE, { id })).errors).toBeUndefined();
    // CREDENTIAL_CACHE_MS is a minute: only the notification can have emptied the other instance's cache.
    await eventually(async () => (await refusal(other, key)) !== undefined, 3000);
    expect(await refusal(other, key)).toMatchObject({ message: 'the key has been revoked' });
  });

  it('a cached key is refused the moment it expires: expiry is judged on every request', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const { key } = await issued(t, 'CC-EXPIRES', { expiresAt });
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(expiresAt) - Date.now() + 50)));
    const before = counted.count();
    expect(await refusal(t, key)).toMatchObject({ message: `the key expired at ${expiresAt}` });
    expect(counted.count() - before).toBe(0);
  });

  it('an instance that does not listen (FEED_LISTEN=false) looks every key up', async () => {
    const silent = lookUps();
    const deaf = await startInstance(t, { CREDENTIAL_CACHE_MS: '60000', FEED_LISTEN: 'false' }, silent.log);
    try {
      const { key } = await issued(t, 'CC-DEAF');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await costs(deaf, key, silent.count, 4)).toEqual([1, 1, 1, 1]);
    } finally {
      await deaf.stop();
    }
  });

  it('a listener whose connection is cut stops the cache until it listens again', async () => {
    const { key } = await issued(t, 'CC-CUT');
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
    const cut = await sql<{ n: string }>(
      t.databaseUrl,
      `select count(pg_terminate_backend(pid))::text as n from pg_stat_activity where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
    );
    expect(Number(cut[0].n)).toBeGreaterThan(0);
    // Cut: the next requests look up (this instance's listener, and the other's, reconnect within a second).
    await eventually(async () => (await costs(t, key, counted.count, 1))[0] === 1, 2000);
    await eventually(async () => (await costs(t, key, counted.count, 2))[1] === 0);
  });
});

describe('the credential cache on the embedded database', () => {
  const counted = lookUps();
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ CREDENTIAL_CACHE_MS: '60000' }, counted.log, { embedded: true });
  }, 120_000);
  afterAll(() => t?.stop());

  it('is used from the first repeat (the notifier is in-process), and a revocation still takes effect at once', async () => {
    const { key, id } = await issued(t, 'CC-EMBED');
    expect(await costs(t, key, counted.count, 3)).toEqual([1, 0, 0]);
    expect((await t.gql(REVOKE, { id })).errors).toBeUndefined();
    expect(await refusal(t, key)).toMatchObject({ message: 'the key has been revoked' });
  });
});
