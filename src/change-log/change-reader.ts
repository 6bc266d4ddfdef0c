/**
 * Reading the change log in commit order: the changes after a position, and the head (the last change). Only
 * committed changes have a commit row, and commit numbers follow commit order, so a read after a position never
 * misses a change that commits later (DESIGN.md invariant 3).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Sharing } from '../access/classification';
import { isoTime } from '../db/sql';
import type { PrincipalUnit } from '../access/principal';
import type { UnitKind } from '../access/unit-kind';
import { CREDENTIAL_COLUMNS, type CredentialRow } from '../access/authenticate';
import type { ChangeKind, ChangeTopic } from './change-log';
import { START, type Position } from './cursor';

/** A revocation or deactivation, as the tail keeps it while nobody is subscribed. */
export interface Ending {
  position: Position;
  topic: ChangeTopic;
  kind: ChangeKind;
  entityId: string;
}

/** The unit that made a change, as it is now: its row of table unit, read with the change. */
export interface ActingUnit extends PrincipalUnit {
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** One change as read from the log. */
export interface StoredChange {
  /** Sealed into the change's cursor only when it is handed out (ChangeCursors). */
  position: Position;
  topic: ChangeTopic;
  kind: ChangeKind;
  occurredAt: Date;
  entityId: string;
  /** The acting unit as it is now; null for changes made by the hub itself. */
  actingUnit: ActingUnit | null;
  actorCredentialId: string | null;
  sharing: Sharing;
  listType: string | null;
  riskLevel: number | null;
  regionCode: string | null;
  uscc: string | null;
  caseId: string | null;
  /** The entity right after the change. */
  payload: Record<string, unknown>;
}

/**
 * The positions after (seq, ordinal), cheapest first: the rest of the commit at `seq` by the primary key of
 * change_event in ordinal order (a 100,000-change publication is one commit), then the commits after it. Only
 * positions are read here; the rows are fetched for the positions kept.
 */
const POSITIONS_SQL = `(select ?::bigint as seq, e.tx_id, e.ordinal from change_event e
     where e.tx_id = (select tx_id from change_commit where seq = ?) and e.ordinal > ? order by e.ordinal limit ?)
   union all
   (select c.seq, c.tx_id, e.ordinal from change_commit c join change_event e on e.tx_id = c.tx_id
     where c.seq > ? order by c.seq, e.ordinal limit ?)`;

/** The changes after a position (`?` placeholders, values from {@link changesAfterParams}), in commit order. */
export const CHANGES_AFTER_SQL = `select p.seq::text as seq, e.ordinal, e.topic, e.kind, ${isoTime('e.occurred_at')} as "occurredAt", e.entity_id as "entityId",
    e.actor_credential_id as "actorCredentialId", e.classification, e.owner_unit_id as "ownerUnitId",
    e.shared_unit_codes as "sharedUnitCodes", e.shared_kinds as "sharedKinds", e.list_type as "listType",
    e.risk_level as "riskLevel", e.region_code as "regionCode", e.uscc, e.case_id as "caseId", e.payload,
    u.id as "unitId", u.code as "unitCode", u.name as "unitName", u.kind as "unitKind", u.region_code as "unitRegionCode",
    u.is_office as "unitIsOffice", u.active as "unitActive", ${isoTime('u.created_at')} as "unitCreatedAt",
    ${isoTime('u.updated_at')} as "unitUpdatedAt"
  from (${POSITIONS_SQL}) p
  join change_event e on e.tx_id = p.tx_id and e.ordinal = p.ordinal
  left join unit u on u.id = e.actor_unit_id
  order by p.seq, p.ordinal limit ?`;

/** The values of {@link CHANGES_AFTER_SQL}'s placeholders. */
export function changesAfterParams(after: Position, limit: number): unknown[] {
  return [after.seq, after.seq, after.ordinal, limit, after.seq, limit, limit];
}

export class ChangeReader {
  constructor(private readonly em: EntityManager) {}

  /** Up to `limit` changes after `after`, in commit order. */
  async after(after: Position, limit: number): Promise<StoredChange[]> {
    const rows = await this.em.execute<Record<string, unknown>[]>(CHANGES_AFTER_SQL, changesAfterParams(after, limit));
    const units = new Map<string, ActingUnit>();
    return rows.map((row) => storedChange(row, units));
  }

  /**
   * The revocations and deactivations after `after` up to the end of commit `upToSeq`, in commit order (no
   * payloads): what the tail keeps while it skips changes nobody subscribed to.
   */
  async endingsBetween(after: Position, upToSeq: number): Promise<Ending[]> {
    const rows = await this.em.execute<{ seq: string; ordinal: number; topic: ChangeTopic; kind: ChangeKind; entityId: string }[]>(
      `select c.seq::text as seq, e.ordinal, e.topic, e.kind, e.entity_id as "entityId" from change_commit c join change_event e on e.tx_id = c.tx_id
       where c.seq >= ? and c.seq <= ? and (c.seq > ? or e.ordinal > ?)
         and ((e.topic = 'CREDENTIAL' and e.kind = 'REVOKED') or (e.topic = 'UNIT' and e.kind = 'DEACTIVATED'))
       order by c.seq, e.ordinal`,
      [after.seq, upToSeq, after.seq, after.ordinal],
    );
    return rows.map((row) => ({
      position: { seq: Number(row.seq), ordinal: row.ordinal },
      topic: row.topic,
      kind: row.kind,
      entityId: row.entityId,
    }));
  }

  /**
   * The head of the log and the credential `credentialId` with its unit, in one statement: one snapshot, so the
   * credential is as every change up to that head left it, and no later (subscriber-access.ts).
   */
  async headWithCredential(credentialId: string): Promise<{ head: Position; credential: CredentialRow | null }> {
    const [row] = await this.em.execute<(Partial<CredentialRow> & { headSeq: string | null; headCount: number | null })[]>(
      `select h.seq::text as "headSeq", h.event_count as "headCount", k.*
       from (select 1) one
       left join lateral (select c.seq, c.event_count from change_commit c order by c.seq desc limit 1) h on true
       left join lateral (select ${CREDENTIAL_COLUMNS} from credential c join unit u on u.id = c.unit_id where c.id = ?) k on true`,
      [credentialId],
    );
    const head = row.headSeq === null ? START : { seq: Number(row.headSeq), ordinal: row.headCount! };
    const { headSeq: _seq, headCount: _count, ...credential } = row;
    return { head, credential: credential.id ? (credential as CredentialRow) : null };
  }

  /**
   * Whether the log holds a change at or before `position` (whoever may see it): a commit before its commit, or its
   * commit itself when the position is past that commit's first change. Every commit holds at least one change.
   */
  async anyAtOrBefore(position: Position): Promise<boolean> {
    const [row] = await this.em.execute<{ found: boolean }[]>(
      'select exists (select 1 from change_commit c where c.seq < ? or (c.seq = ? and ? > 0)) as found',
      [position.seq, position.seq, position.ordinal],
    );
    return row.found;
  }

  /** The position of the last change in the log, or the start of the log when it is empty. */
  async head(): Promise<Position> {
    const [last] = await this.em.execute<{ seq: string; eventCount: number }[]>(
      // Ordered by the column, not by the text alias of the same name ('9' sorts after '21').
      'select c.seq::text as seq, c.event_count as "eventCount" from change_commit c order by c.seq desc limit 1',
    );
    return last ? { seq: Number(last.seq), ordinal: last.eventCount } : START;
  }
}

/** A row as a change; `units` shares one object per acting unit among the rows of a read. */
function storedChange(row: Record<string, any>, units: Map<string, ActingUnit>): StoredChange {
  const position = { seq: Number(row.seq), ordinal: row.ordinal as number };
  let actingUnit: ActingUnit | null = null;
  if (row.unitId) {
    actingUnit = units.get(row.unitId) ?? null;
    if (!actingUnit) {
      actingUnit = {
        id: row.unitId,
        code: row.unitCode,
        name: row.unitName,
        kind: row.unitKind as UnitKind,
        regionCode: row.unitRegionCode,
        isOffice: row.unitIsOffice,
        active: row.unitActive,
        createdAt: new Date(row.unitCreatedAt),
        updatedAt: new Date(row.unitUpdatedAt),
      };
      units.set(row.unitId, actingUnit);
    }
  }
  return {
    position,
    topic: row.topic,
    kind: row.kind,
    occurredAt: new Date(row.occurredAt),
    entityId: row.entityId,
    actingUnit,
    actorCredentialId: row.actorCredentialId,
    sharing: { classification: row.classification, ownerUnitId: row.ownerUnitId, sharedUnitCodes: row.sharedUnitCodes, sharedKinds: row.sharedKinds },
    listType: row.listType,
    riskLevel: row.riskLevel,
    regionCode: row.regionCode,
    uscc: row.uscc,
    caseId: row.caseId,
    payload: row.payload,
  };
}
