/**
 * The audit trail's keys for one open database: the key records are written with (its id named on each record)
 * and the retired keys the verifier still knows. The key never enters the database: it comes from AUDIT_KEY or
 * AUDIT_KEY_FILE, or, on the embedded database without either, from DATA_DIR/audit.key (beside the data folder
 * pgdata), which the first start creates with mode 0600. Every EntityManager forked from the database's ORM
 * finds the keys through its connection.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AUDIT_KEY_TEXT, ConfigError, type AuditKeySettings } from '../config';

export interface AuditKeys {
  /** The id written on new records (AUDIT_KEY_ID). */
  id: string;
  key: string;
  /** Where the key came from, for messages: AUDIT_KEY, AUDIT_KEY_FILE or the key file's path. */
  source: string;
  /** Keys of ids no longer written (AUDIT_KEYS_RETIRED), for verifying older records. */
  retired: ReadonlyMap<string, string>;
  /** The embedded database's key file still to be written (its first start): made once the chain agrees. */
  unsavedFile?: string;
}

/** The key file of the embedded database, beside its data folder. */
export const EMBEDDED_KEY_FILE = 'audit.key';

/** The keys of the settings; on the embedded database without a key, those of DATA_DIR/audit.key (made when missing). */
export function resolveAuditKeys(settings: AuditKeySettings, embeddedDataDir?: string): AuditKeys {
  const base = { id: settings.keyId, retired: settings.retired };
  if (settings.key !== undefined) return { ...base, key: settings.key, source: settings.keySource! };
  if (embeddedDataDir === undefined) throw new ConfigError('AUDIT_KEY (or AUDIT_KEY_FILE) is required with DATABASE_URL');
  const file = path.join(embeddedDataDir, EMBEDDED_KEY_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError(`the audit key file ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
    return { ...base, key: randomBytes(32).toString('base64url'), source: file, unsavedFile: file };
  }
  if (!AUDIT_KEY_TEXT.test(text)) throw new ConfigError(`the audit key file ${file} holds no key: restore it from the backup`);
  return { ...base, key: text, source: file };
}

/** Writes the embedded database's new key file (mode 0600; never over an existing one). */
export function saveKeyFile(keys: AuditKeys): void {
  if (!keys.unsavedFile) return;
  fs.writeFileSync(keys.unsavedFile, `${keys.key}\n`, { mode: 0o600, flag: 'wx' });
  keys.unsavedFile = undefined;
}

/** The key of records that name `keyId`, if known. */
export function keyOf(keys: AuditKeys, keyId: string): string | undefined {
  return keyId === keys.id ? keys.key : keys.retired.get(keyId);
}

const byConnection = new WeakMap<object, AuditKeys>();

/** Makes `keys` those of every EntityManager of `orm`. */
export function useAuditKeys(orm: { em: { getConnection(): object } }, keys: AuditKeys): void {
  byConnection.set(orm.em.getConnection(), keys);
}

/** The keys of the database `em` works on. */
export function auditKeysOf(em: { getConnection(): object }): AuditKeys {
  const keys = byConnection.get(em.getConnection());
  if (!keys) throw new Error('no audit key for this database: open it with openDatabase (src/app.ts)');
  return keys;
}
