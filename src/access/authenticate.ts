/**
 * Turns a bearer key into a {@link Principal}, or refuses it with UNAUTHENTICATED saying why. Every HTTP request
 * and every WebSocket operation looks the key up afresh, so a revocation takes effect on the very next one.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { unauthenticated } from '../graphql/errors';
import { Credential } from '../modules/units/credential.entity';
import { CredentialStatus, credentialStatus } from '../modules/units/credential.service';
import { hashKey } from './keys';
import { Principal } from './principal';

export async function authenticate(em: EntityManager, key: string | undefined, now = new Date()): Promise<Principal> {
  if (!key) throw unauthenticated('no credential: send the header "Authorization: Bearer <key>"');
  const credential = await em.findOne(Credential, { keyHash: hashKey(key) }, { populate: ['unit'], disableIdentityMap: true });
  if (!credential) throw unauthenticated('the key is not known to this hub');
  const status = credentialStatus(credential, now);
  if (status === CredentialStatus.REVOKED) throw unauthenticated('the key has been revoked');
  if (status === CredentialStatus.EXPIRED) throw unauthenticated(`the key expired at ${credential.expiresAt!.toISOString()}`);
  const unit = credential.unit.getEntity();
  if (!unit.active) throw unauthenticated(`the key's unit ${unit.code} has been deactivated`);
  return new Principal(
    { id: unit.id, code: unit.code, name: unit.name, kind: unit.kind, regionCode: unit.regionCode, isOffice: unit.isOffice },
    credential.roles,
    credential.id,
  );
}
