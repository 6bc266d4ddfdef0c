/**
 * Turns a bearer key into a {@link Principal}, or refuses it with UNAUTHENTICATED saying why. Every HTTP request
 * and every WebSocket operation looks the key up afresh, or takes the row from the {@link CredentialCache} while
 * that cache is sure to have heard of every change (credential-cache.ts), so a revocation takes effect on the
 * very next one. The look-up is one prepared statement: it runs before every operation, so it stays off the ORM.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { isoTime, queryPrepared } from '../db/sql';
import { unauthenticated } from '../errors';
import type { CredentialCache } from './credential-cache';
import { CredentialStatus, credentialStatus } from './credential-status';
import type { UnitKind } from './unit-kind';
import type { Role } from './roles';
import { hashKey } from './keys';
import { Principal } from './principal';

/** A credential and its unit as {@link CREDENTIAL_COLUMNS} reads them. */
export interface CredentialRow {
  id: string;
  roles: Role[];
  /** ISO 8601, or null. */
  expiresAt: string | null;
  /** ISO 8601, or null. */
  revokedAt: string | null;
  unitId: string;
  code: string;
  name: string;
  kind: UnitKind;
  regionCode: string;
  isOffice: boolean;
  active: boolean;
}

/** The columns of a {@link CredentialRow}, from `credential c join unit u on u.id = c.unit_id`. */
export const CREDENTIAL_COLUMNS = `c.id, c.roles, ${isoTime('c.expires_at')} as "expiresAt", ${isoTime('c.revoked_at')} as "revokedAt",
    u.id as "unitId", u.code, u.name, u.kind, u.region_code as "regionCode", u.is_office as "isOffice", u.active`;

const CREDENTIAL_SQL = `select ${CREDENTIAL_COLUMNS}
  from credential c join unit u on u.id = c.unit_id
  where c.key_hash = ?`;

/** The caller of `key`, looked up on `em` unless `cache` holds its row. */
export async function authenticate(em: EntityManager, key: string | undefined, cache?: CredentialCache, now = new Date()): Promise<Principal> {
  if (!key) throw unauthenticated('no credential: send the header "Authorization: Bearer <key>"');
  const keyHash = hashKey(key);
  const cached = cache?.lookUp(keyHash);
  if (cached && 'row' in cached) return principalOf(cached.row, now);
  const [credential] = await queryPrepared<CredentialRow>(em, CREDENTIAL_SQL, [keyHash]);
  if (!credential) throw unauthenticated('the key is not known to this hub');
  cached?.store(credential);
  return principalOf(credential, now);
}

/** The caller a credential row makes at `now`; UNAUTHENTICATED saying why when the key is revoked, expired or its unit deactivated. */
export function principalOf(credential: CredentialRow, now = new Date()): Principal {
  const times = { expiresAt: date(credential.expiresAt), revokedAt: date(credential.revokedAt) };
  const status = credentialStatus(times, now);
  if (status === CredentialStatus.REVOKED) throw unauthenticated('the key has been revoked');
  if (status === CredentialStatus.EXPIRED) throw unauthenticated(`the key expired at ${times.expiresAt!.toISOString()}`);
  if (!credential.active) throw unauthenticated(`the key's unit ${credential.code} has been deactivated`);
  const { unitId: id, code, name, kind, regionCode, isOffice } = credential;
  return new Principal({ id, code, name, kind, regionCode, isOffice }, credential.roles, credential.id, times.expiresAt);
}

function date(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}
