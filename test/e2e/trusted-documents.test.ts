/**
 * Trusted documents (TRUSTED_DOCUMENTS): only registered operations run, compared in canonical form, over HTTP and
 * WebSocket alike; a bad file stops start-up with one clear message.
 */
process.env.LOG_LEVEL ??= 'silent';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../../src/config';
import { startTestHub, type TestHub } from '../support/hub';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fyh-trusted-'));
const file = (name: string, content: string) => {
  const at = path.join(dir, name);
  fs.writeFileSync(at, content);
  return at;
};
const trusted = file('trusted.json', JSON.stringify({ me: 'query Me { me { unit { code } roles } }', head: '{ changesHead }' }));

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ TRUSTED_DOCUMENTS: trusted });
});
afterAll(async () => {
  await t?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function overWebSocket(query: string) {
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${t.adminKey}` },
    retryAttempts: 0,
  });
  try {
    return await new Promise<{ data?: any; error?: any }>((resolve) => {
      client.subscribe(
        { query },
        {
          next: (result) => resolve(result.errors ? { error: result.errors[0] } : { data: result.data }),
          error: (error) => resolve({ error: Array.isArray(error) ? error[0] : error }),
          complete: () => undefined,
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

it('a registered operation runs, whatever its whitespace, commas and comments, over HTTP and WebSocket', async () => {
  const respelled = '# the dashboard\nquery Me {\n  me { unit { code }, roles }\n}';
  const http = await t.gql(respelled);
  expect(http.errors).toBeUndefined();
  expect(http.data.me.unit.code).toBe('OFFICE');
  expect((await overWebSocket('{changesHead}')).data).toHaveProperty('changesHead');
});

it('any other document is refused FORBIDDEN before it runs, introspection included, over HTTP and WebSocket', async () => {
  for (const query of [
    '{ me { roles } }',
    'query Me { me { unit { code name } roles } }',
    '{ __schema { queryType { name } } }',
    'mutation { revokeCredential(id: "x") { id } }',
  ]) {
    const http = await t.gql(query);
    expect(http.status).toBe(200); // refused before execution: 200 under application/json, like a validation failure
    expect(http.data ?? null).toBeNull();
    expect(http.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(http.errors?.[0].message).toContain('TRUSTED_DOCUMENTS');
    expect((await overWebSocket(query)).error?.extensions?.code).toBe('FORBIDDEN');
  }
});

it.each([
  ['a missing file', path.join(dir, 'missing.json'), /cannot read .*missing\.json as JSON/],
  ['a file that is not JSON', file('bad.json', 'query { me }'), /cannot read .* as JSON/],
  ['an empty list', file('empty.json', '[]'), /non-empty JSON array/],
  ['a document that does not parse', file('broken.json', JSON.stringify(['{ me {'])), /document 1 of .* does not parse/],
])('%s stops start-up with one clear message', (_name, at, message) => {
  expect(() => loadConfig({ TRUSTED_DOCUMENTS: at })).toThrow(ConfigError);
  expect(() => loadConfig({ TRUSTED_DOCUMENTS: at })).toThrow(message);
});
