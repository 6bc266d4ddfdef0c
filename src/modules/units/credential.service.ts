/**
 * Credentials of member units: issued by the office with roles and an optional expiry, listed without their
 * keys, revoked with effect on the very next request. The key is returned once, at issue, and never stored.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { generateKey, hashKey, keyHint } from '../../access/keys';
import { authorize, itemRules } from '../../access/policies';
import type { Principal } from '../../access/principal';
import { Role } from '../../access/roles';
import { appendAudit } from '../../audit/audit.service';
import { badInput, notFound } from '../../errors';
import { isUuid, optionalText } from '../../input';
import { officeOnly } from '../../access/classification';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../change-log/change-log';
import { Credential } from './credential.entity';
import type { Unit } from './unit.entity';
import { UnitService } from './unit.service';

export interface IssueCredentialInput {
  unit: string;
  roles: Role[];
  expiresAt?: Date | null;
  label?: string | null;
}

export interface IssuedCredential {
  /** The bearer key, shown this once. */
  key: string;
  credential: Credential;
}

export class CredentialService {
  constructor(private readonly em: EntityManager) {}

  async issue(principal: Principal, input: IssueCredentialInput): Promise<IssuedCredential> {
    authorize(principal, 'manageCredentials');
    return this.em.transactional(async (em) => {
      const unit = await new UnitService(em).byCode(input.unit);
      if (!unit.active) throw badInput(`unit ${unit.code} is deactivated`, { field: 'unit', rule: 'active' });
      const roles = [...new Set(input.roles)];
      if (roles.length === 0) throw badInput('roles must name at least one role', { field: 'roles', rule: 'required' });
      if (roles.includes(Role.ADMIN) && !itemRules.holdAdmin(unit)) {
        throw badInput(`ADMIN is for the coordination office's credentials only, and ${unit.code} is not the office`, {
          field: 'roles',
          rule: 'adminOfficeOnly',
        });
      }
      if (input.expiresAt && input.expiresAt <= new Date()) {
        throw badInput('expiresAt must lie in the future', { field: 'expiresAt', rule: 'future' });
      }
      return this.create(em, principal, unit, roles, {
        expiresAt: input.expiresAt ?? null,
        label: optionalText(input.label, 'label') ?? null,
      });
    });
  }

  /**
   * Writes a credential for `unit` inside the caller's transaction (the caller has authorised the act); the
   * first-start bootstrap passes the key from HUB_ADMIN_KEY, everyone else gets a random one.
   */
  async create(
    em: EntityManager,
    actor: Principal | null,
    unit: Unit,
    roles: Role[],
    options: { key?: string; expiresAt?: Date | null; label?: string | null },
  ): Promise<IssuedCredential> {
    const key = options.key ?? generateKey();
    const credential = em.create(Credential, {
      unit,
      keyHash: hashKey(key),
      keyHint: keyHint(key),
      roles,
      expiresAt: options.expiresAt ?? null,
      label: options.label ?? null,
    });
    await em.flush();
    await appendAudit(em, actor, {
      action: 'credential.issue',
      entityType: 'Credential',
      entityId: credential.id,
      detail: { unit: unit.code, roles, expiresAt: credential.expiresAt?.toISOString() ?? null, keyHint: credential.keyHint },
    });
    return { key, credential };
  }

  /** The caller's own credential (null for the command line). */
  current(principal: Principal): Promise<Credential | null> {
    if (!principal.credentialId) return Promise.resolve(null);
    return this.em.findOne(Credential, { id: principal.credentialId }, { populate: ['unit'] });
  }

  /** A unit's credentials, newest first (at most `limit`), without their keys. */
  async list(principal: Principal, unitCode: string, limit?: number): Promise<Credential[]> {
    authorize(principal, 'manageCredentials');
    const unit = await new UnitService(this.em).byCode(unitCode);
    return this.em.find(Credential, { unit }, { orderBy: { createdAt: 'desc', id: 'asc' }, populate: ['unit'], limit });
  }

  /** Revokes a credential; revoking one that is revoked already changes nothing. */
  async revoke(principal: Principal, id: string): Promise<Credential> {
    authorize(principal, 'manageCredentials');
    if (!isUuid(id)) throw notFound(`no credential with id ${id}`);
    return this.em.transactional(async (em) => {
      const credential = await em.findOne(Credential, { id }, { populate: ['unit'] });
      if (!credential) throw notFound(`no credential with id ${id}`);
      if (credential.revokedAt) return credential;
      credential.revokedAt = new Date();
      await em.flush();
      await appendAudit(em, principal, {
        action: 'credential.revoke',
        entityType: 'Credential',
        entityId: credential.id,
        detail: { unit: credential.unit.getEntity().code, keyHint: credential.keyHint },
      });
      // Through the change log the revocation reaches every hub instance, which ends the key's subscriptions;
      // only the office sees the change.
      const office = await new UnitService(em).office();
      const changes = new ChangeLogWriter(em, principal);
      await changes.append([
        {
          topic: ChangeTopic.CREDENTIAL,
          kind: ChangeKind.REVOKED,
          entityId: credential.id,
          sharing: officeOnly(office!.id),
          payload: {
            id: credential.id,
            unit: credential.unit.getEntity().code,
            keyHint: credential.keyHint,
            label: credential.label ?? null,
            revokedAt: credential.revokedAt.toISOString(),
          },
        },
      ]);
      await changes.commit();
      return credential;
    });
  }
}
