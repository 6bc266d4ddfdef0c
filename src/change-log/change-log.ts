/**
 * Writing the change log, as part of the one write path (DESIGN.md invariant 1): a service collects its changes
 * with a {@link ChangeLogWriter} inside its transaction and calls {@link ChangeLogWriter.commit} as the very
 * last statement before COMMIT. The feed reads changes in (commit seq, ordinal) order.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sharing } from '../access/classification';
import type { Principal } from '../access/principal';

export enum ChangeTopic {
  RISK_ENTRY = 'RISK_ENTRY',
  /** A case of the ledger: registered, its stage moved, edited, numbered. */
  CASE = 'CASE',
  /** A progress entry of a case (payload: the entry and its case). */
  CASE_PROGRESS = 'CASE_PROGRESS',
  /** A credential (only the office sees these): its revocation closes the key's subscriptions on every instance. */
  CREDENTIAL = 'CREDENTIAL',
  /**
   * A member unit (only the office sees these): deactivated, reactivated, its name, kind or region changed. Every
   * instance reads them in commit order: deactivation ends the unit's subscriptions, a new kind re-evaluates them.
   */
  UNIT = 'UNIT',
}

export enum ChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  WITHDRAWN = 'WITHDRAWN',
  STAGE_CHANGED = 'STAGE_CHANGED',
  NUMBER_ADDED = 'NUMBER_ADDED',
  PROGRESS_ADDED = 'PROGRESS_ADDED',
  REVOKED = 'REVOKED',
  DEACTIVATED = 'DEACTIVATED',
  REACTIVATED = 'REACTIVATED',
}

/** The PostgreSQL channel on which a commit of changes wakes every hub instance (payload: the commit number). */
export const CHANGES_CHANNEL = 'fyh_changes';

/** One change as a service describes it. */
export interface ChangeInput {
  topic: ChangeTopic;
  kind: ChangeKind;
  entityId: string;
  sharing: Sharing;
  listType?: string | null;
  riskLevel?: number | null;
  regionCode?: string | null;
  uscc?: string | null;
  caseId?: string | null;
  payload: Record<string, unknown>;
}

/**
 * The columns a SELECT passed to {@link ChangeLogWriter.appendSelect} must yield, in this order, plus a
 * `sort_key` column that orders the changes within the transaction.
 */
export const CHANGE_COLUMNS = [
  'topic',
  'kind',
  'entity_id',
  'classification',
  'owner_unit_id',
  'shared_unit_codes',
  'shared_kinds',
  'list_type',
  'risk_level',
  'region_code',
  'uscc',
  'case_id',
  'payload',
] as const;

const COUNTER_ID = 1;

export class ChangeLogWriter {
  /** Identifies this transaction's changes until its commit row names them. */
  readonly txId = randomUUID();
  private count = 0;

  constructor(
    private readonly em: EntityManager,
    private readonly actor: Principal | null,
  ) {}

  /** Appends changes described in JavaScript. */
  async append(changes: ChangeInput[]): Promise<void> {
    if (!changes.length) return;
    const rows = changes.map((change, i) => ({
      ordinal: this.count + i + 1,
      topic: change.topic,
      kind: change.kind,
      entity_id: change.entityId,
      classification: change.sharing.classification,
      owner_unit_id: change.sharing.ownerUnitId,
      shared_unit_codes: change.sharing.sharedUnitCodes,
      shared_kinds: change.sharing.sharedKinds,
      list_type: change.listType ?? null,
      risk_level: change.riskLevel ?? null,
      region_code: change.regionCode ?? null,
      uscc: change.uscc ?? null,
      case_id: change.caseId ?? null,
      payload: change.payload,
    }));
    await this.em.execute(
      `insert into change_event (tx_id, ordinal, occurred_at, actor_unit_id, actor_credential_id, ${CHANGE_COLUMNS.join(', ')})
       select ?, r.ordinal, now(), ?, ?, ${CHANGE_COLUMNS.map((c) => `r.${c}`).join(', ')}
       from jsonb_to_recordset(?::jsonb) as r(ordinal int, topic text, kind text, entity_id text, classification text,
         owner_unit_id uuid, shared_unit_codes text[], shared_kinds text[], list_type text, risk_level smallint,
         region_code varchar(6), uscc varchar(18), case_id uuid, payload json)`,
      [this.txId, this.actor?.unit.id ?? null, this.actor?.credentialId ?? null, JSON.stringify(rows)],
    );
    this.count += rows.length;
  }

  /**
   * Appends the changes a SELECT yields (set-based, for bulk writes): columns {@link CHANGE_COLUMNS} and
   * `sort_key`. Returns how many were appended.
   */
  async appendSelect(select: string, params: unknown[]): Promise<number> {
    const result = await this.em.execute<{ affectedRows?: number } & Record<string, unknown>>(
      `insert into change_event (tx_id, ordinal, occurred_at, actor_unit_id, actor_credential_id, ${CHANGE_COLUMNS.join(', ')})
       select ?, ? + row_number() over (order by c.sort_key), now(), ?, ?, ${CHANGE_COLUMNS.map((c) => `c.${c}`).join(', ')}
       from (${select}) as c`,
      [this.txId, this.count, this.actor?.unit.id ?? null, this.actor?.credentialId ?? null, ...params],
      'run',
    );
    const appended = Number(result.affectedRows ?? 0);
    this.count += appended;
    return appended;
  }

  /**
   * Gives this transaction's changes their commit number. Call it as the last statement before COMMIT: the
   * counter row stays locked until then, so commit numbers follow commit order. Returns the number, or null
   * when the transaction wrote no change.
   */
  async commit(): Promise<string | null> {
    if (!this.count) return null;
    // One statement: the counter row stays locked until COMMIT, and the notification is delivered at COMMIT.
    const [committed] = await this.em.execute<{ seq: string }[]>(
      `with counter as (update change_log_counter set value = value + 1 where id = ? returning value),
         commit_row as (insert into change_commit (seq, tx_id, committed_at, event_count) select value, ?, now(), ? from counter returning seq)
       select seq::text as seq, pg_notify(?, seq::text) from commit_row`,
      [COUNTER_ID, this.txId, this.count, CHANGES_CHANNEL],
    );
    return committed.seq;
  }
}
