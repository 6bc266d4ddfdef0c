/**
 * Whole answers of read queries, cached per caller and per database snapshot.
 *
 * Dashboards and departmental systems ask the same questions again and again (the newest ORANGE entries, a
 * county's list) while the data changes a few times a day. An answer depends on three things only: the request
 * (document, operation name, variables), the caller (its credential: unit and roles decide what it may see and
 * whether personal data is masked) and the data. The data is pinned by the snapshot that authentication reads
 * in the same statement (`pg_current_snapshot()`): two statements whose snapshots are equal see exactly the
 * same committed rows, and any commit anywhere on the server after a snapshot was taken makes every later
 * snapshot differ from it. So an answer stored under (request, credential, snapshot S) is served only to a
 * request whose own snapshot is S — nothing committed since — and a write makes every older entry
 * unreachable at once, on every hub instance, with no invalidation messages. (The answer itself is computed by
 * statements that run after S was read, so it may include commits newer than S; a request that still reads S
 * started before those commits and is answered after them, which is what it would have got a moment later.)
 *
 * Only root fields whose answers depend on nothing but the data are cached (not `me` or `credentials`, whose
 * status depends on the clock); answers with errors are never stored; the cache lives in the process and is
 * bounded by RESPONSE_CACHE_SIZE (0 turns it off). Apollo's response-cache plugin does the storing; the hub
 * supplies the key data and decides what may be cached.
 */
import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { Kind } from 'graphql';
import type { HubContext } from './context';

/** Root query fields whose answers are a function of the data and the caller alone. */
export const CACHEABLE_ROOT_FIELDS: ReadonlySet<string> = new Set([
  'riskEntries',
  'riskPublications',
  'enterprise',
  'enterprises',
  'units',
  'cases',
  'case',
]);

/** Seconds an unused entry may stay (it can never be stale: see above; this only frees memory). */
const ENTRY_SECONDS = 300;

/** The plugins of the response cache, or only the switched-off cache-control plugin when `sizeBytes` is 0. */
export function responseCachePlugins(sizeBytes: number): ApolloServerPlugin<HubContext>[] {
  // Without a cache, Apollo's default cache-control plugin would still wrap every field to collect hints.
  if (sizeBytes === 0) return [ApolloServerPluginCacheControlDisabled()];
  return [
    // Every answer is cacheable for ENTRY_SECONDS; no Cache-Control header leaves the hub (clients must not
    // keep answers: only the hub knows when the data changed).
    ApolloServerPluginCacheControl({ defaultMaxAge: ENTRY_SECONDS, calculateHttpHeaders: false }),
    responseCachePlugin<HubContext>({
      // Sized in bytes of memory: a JavaScript string of Chinese text takes two bytes per character, and the
      // key (a SHA-256 hex digest under a prefix) about 150 more.
      cache: new InMemoryLRUCache<string>({ maxSize: sizeBytes, sizeCalculation: (value, key) => 2 * (value.length + key.length) + 64 }),
      extraCacheKeyData: async ({ contextValue }) => ({
        credential: contextValue.callerOrNull?.credentialId ?? null,
        snapshot: contextValue.snapshot,
      }),
      shouldReadFromCache: async (request) => cacheable(request),
      // An answer that let out personal data is never kept: each such answer runs, and is audited (personal-data-audit.ts).
      shouldWriteToCache: async (request) => cacheable(request) && request.contextValue.personalData.size === 0,
    }),
  ];
}

/** A query by an authenticated caller whose every root selection is a cacheable field (or `__typename`). */
export function cacheable(request: GraphQLRequestContext<HubContext>): boolean {
  const { contextValue, operation } = request;
  const caller = contextValue.callerOrNull;
  if (!caller || caller.credentialId === null || contextValue.snapshot === null) return false;
  if (operation?.operation !== 'query') return false;
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && (selection.name.value === '__typename' || CACHEABLE_ROOT_FIELDS.has(selection.name.value)),
  );
}
