/** One GraphQL operation over WebSocket (graphql-ws), for tests that compare what HTTP and WebSocket answer. */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestHub } from './hub';

/** The first error of one operation over WebSocket with `key`, or null when it succeeded. */
export async function firstErrorOverWebSocket(
  t: TestHub,
  key: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ message: string; extensions?: Record<string, unknown> } | null> {
  const client = createClient({
    url: t.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
  });
  try {
    return await new Promise((resolve) => {
      client.subscribe(
        { query, variables },
        {
          next: (result) => resolve((result.errors?.[0] as never) ?? null),
          error: (error) => resolve(Array.isArray(error) ? error[0] : { message: String(error) }),
          complete: () => resolve(null),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}
