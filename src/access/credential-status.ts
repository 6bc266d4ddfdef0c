/** A credential's status at a moment: revoked, expired, or active (the clock decides between the last two). */

export enum CredentialStatus {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

/** The times that decide a credential's status. */
export interface CredentialTimes {
  revokedAt?: Date | null;
  expiresAt?: Date | null;
}

export function credentialStatus(credential: CredentialTimes, now = new Date()): CredentialStatus {
  if (credential.revokedAt) return CredentialStatus.REVOKED;
  if (credential.expiresAt && credential.expiresAt <= now) return CredentialStatus.EXPIRED;
  return CredentialStatus.ACTIVE;
}
