/**
 * Bearer keys: random, shown once, stored only as a SHA-256 hash (keys are random, so a slow password hash
 * adds nothing; see DESIGN.md).
 */
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'fyh_';

/** A new random key: `fyh_` and 43 base64url characters (256 bits). */
export function generateKey(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Enough of a key for a person to tell keys apart, never enough to use one. */
export function keyHint(key: string): string {
  return key.startsWith(PREFIX) ? key.slice(0, PREFIX.length + 4) : key.slice(0, 4);
}

/** The key of an `Authorization: Bearer <key>` header, or undefined when the header is absent or not Bearer. */
export function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1];
}
