/**
 * Progress entries of a case (案件进展): any unit that may see a case adds what it knows, dated and typed; entries
 * are appended, never edited, and leave the case's version alone. An idempotency key makes a retried claim
 * harmless.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../../access/policies';
import { visibleSql } from '../../access/visibility';
import type { Principal } from '../../access/principal';
import { appendAudit } from '../../audit/audit.service';
import { pgArray } from '../../db/sql';
import { ChangeKind, ChangeLogWriter, ChangeTopic } from '../../change-log/change-log';
import { badInput, conflict } from '../../errors';
import { countsIn, groupRows } from '../../graphql/list-size';
import { DEFAULT_TIME_ZONE, TODAY_IN_ZONE_SQL } from '../../calendar-date';
import { isUuid, requiredText } from '../../input';
import { hashPayload } from '../risk-lists/payload-hash';
import type { RiskLevel } from '../../risk-level';
import { UnitService } from '../units/unit.service';
import { caseSharing } from './case-reads';
import { CaseService } from './case.service';
import { casePayload, PROGRESS_COLUMNS, progressPayload, progressRow, type ProgressRow } from './case.sql';

/** 进展类型 */
export enum ProgressKind {
  /** 债权申报: a tax, bank, social-insurance or wage claim, with its amount. */
  CLAIM_FILED = 'CLAIM_FILED',
  /** 财产线索: land, property, vehicles, accounts, … */
  ASSET_FOUND = 'ASSET_FOUND',
  /** 协调请求 (函): the office or a unit asks units named in addressedTo. */
  COORDINATION_REQUEST = 'COORDINATION_REQUEST',
  /** 协调答复 (复函): answers a request (inReplyTo). */
  COORDINATION_REPLY = 'COORDINATION_REPLY',
  /** 联席会议 */
  MEETING = 'MEETING',
  /** 风险评估, with the level assessed. */
  RISK_ASSESSMENT = 'RISK_ASSESSMENT',
  NOTE = 'NOTE',
}

/** 债权类型 */
export enum ClaimType {
  TAX = 'TAX',
  BANK = 'BANK',
  SOCIAL_INSURANCE = 'SOCIAL_INSURANCE',
  WAGES = 'WAGES',
  OTHER = 'OTHER',
}

/** 财产类型 */
export enum AssetType {
  LAND = 'LAND',
  PROPERTY = 'PROPERTY',
  VEHICLE = 'VEHICLE',
  ACCOUNT = 'ACCOUNT',
  EQUIPMENT = 'EQUIPMENT',
  EQUITY = 'EQUITY',
  OTHER = 'OTHER',
}

export interface AddProgressInput {
  caseId: string;
  kind: ProgressKind;
  /** The date it happened; default today. */
  occurredOn?: string | null;
  summary: string;
  /** Yuan, canonical already (Decimal scalar). */
  amount?: string | null;
  claimType?: ClaimType | null;
  assetType?: AssetType | null;
  riskLevel?: RiskLevel | null;
  addressedTo?: string[] | null;
  inReplyTo?: string | null;
  details?: unknown;
  idempotencyKey?: string | null;
}

export interface AddedProgress {
  progress: ProgressRow;
  /** True when this is the entry an earlier call with the same key added. */
  replayed: boolean;
}

const SUMMARY_MAX = 2_000;
const KEY_MAX = 200;
const DETAILS_MAX_BYTES = 16_384;

/** Which optional fields each kind requires (✓) or takes (·); any other is refused. */
const FIELDS: Record<
  ProgressKind,
  Partial<Record<'amount' | 'claimType' | 'assetType' | 'riskLevel' | 'addressedTo' | 'inReplyTo', 'required' | 'optional'>>
> = {
  CLAIM_FILED: { amount: 'required', claimType: 'required' },
  ASSET_FOUND: { assetType: 'required', amount: 'optional' },
  COORDINATION_REQUEST: { addressedTo: 'required' },
  COORDINATION_REPLY: { inReplyTo: 'required' },
  MEETING: {},
  RISK_ASSESSMENT: { riskLevel: 'required' },
  NOTE: { amount: 'optional' },
};

export class CaseProgressService {
  constructor(
    private readonly em: EntityManager,
    /** HUB_TIMEZONE: an entry without `occurredOn` happened today there. */
    private readonly timeZone: string = DEFAULT_TIME_ZONE,
  ) {}

  async add(principal: Principal, input: AddProgressInput): Promise<AddedProgress> {
    authorize(principal, 'writeCases');
    const summary = requiredText(input.summary, 'summary', SUMMARY_MAX);
    const key = input.idempotencyKey == null ? null : requiredText(input.idempotencyKey, 'idempotencyKey', KEY_MAX);
    checkKindFields(input);
    const details = checkDetails(input.details);
    const addressedTo = input.addressedTo?.length ? await new UnitService(this.em).sharedUnitCodes(input.addressedTo, 'addressedTo') : [];
    const payloadHash = hashPayload({ ...input, idempotencyKey: null });
    const cases = new CaseService(this.em, this.timeZone);

    return this.em.transactional(async (em) => {
      // The case row is locked so that the change log sees its progress in the order the entries were added.
      const row = await cases.lockVisible(em, principal, input.caseId);
      if (key) {
        await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`fyh:progress:${principal.unit.id}:${key}`]);
        const [prior] = await em.execute<(Record<string, unknown> & { payloadHash: string })[]>(
          `select ${PROGRESS_COLUMNS}, p.payload_hash as "payloadHash" from case_progress p where p.unit_id = ? and p.idempotency_key = ?`,
          [principal.unit.id, key],
        );
        if (prior) {
          if (prior.payloadHash !== payloadHash || prior.caseId !== row.id) {
            throw conflict(`idempotencyKey "${key}" was used for a different progress entry`, { progressId: prior.id });
          }
          return { progress: progressRow(prior), replayed: true };
        }
      }
      if (input.inReplyTo != null) {
        const [request] = isUuid(input.inReplyTo)
          ? await em.execute("select 1 from case_progress where id = ? and case_id = ? and kind = 'COORDINATION_REQUEST'", [input.inReplyTo, row.id])
          : [];
        if (!request) {
          throw badInput(`inReplyTo: no coordination request ${input.inReplyTo} on this case`, { field: 'inReplyTo', rule: 'request' });
        }
      }
      const id = randomUUID();
      const changes = new ChangeLogWriter(em, principal); // first: the entry records its transaction (its commit)
      await em.execute(
        `insert into case_progress (id, case_id, kind, occurred_on, summary, amount, claim_type, asset_type, risk_level, addressed_to,
           in_reply_to, details, unit_id, credential_id, idempotency_key, payload_hash, recorded_at, change_tx_id)
         values (?, ?, ?, coalesce(?::date, ${TODAY_IN_ZONE_SQL}), ?, ?, ?, ?, ?, ?::text[], ?, ?::jsonb, ?, ?, ?, ?, clock_timestamp(), ?)`,
        [
          id,
          row.id,
          input.kind,
          input.occurredOn ?? null,
          this.timeZone,
          summary,
          input.amount ?? null,
          input.claimType ?? null,
          input.assetType ?? null,
          input.riskLevel ?? null,
          pgArray(addressedTo),
          input.inReplyTo ?? null,
          JSON.stringify(details),
          principal.unit.id,
          principal.credentialId,
          key,
          payloadHash,
          changes.txId,
        ],
      );
      const [raw] = await em.execute<Record<string, unknown>[]>(`select ${PROGRESS_COLUMNS} from case_progress p where p.id = ?`, [id]);
      const progress = progressRow(raw);
      await changes.append([
        {
          topic: ChangeTopic.CASE_PROGRESS,
          kind: ChangeKind.PROGRESS_ADDED,
          entityId: id,
          sharing: caseSharing(row),
          riskLevel: row.riskLevel,
          regionCode: row.regionCode,
          uscc: row.debtorUscc,
          caseId: row.id,
          payload: {
            progress: progressPayload(progress, await cases.unitRef(em, principal.unit.id)),
            case: casePayload(row, await cases.unitRef(em, row.courtUnitId)),
          },
        },
      ]);
      await appendAudit(em, principal, {
        action: 'case.addProgress',
        entityType: 'CaseProgress',
        entityId: id,
        detail: { caseId: row.id, kind: input.kind, amount: input.amount ?? null },
      });
      await changes.commit();
      return { progress, replayed: false };
    });
  }

  /**
   * The timeline of each case the caller may see now, oldest first, cut to its `last` most recent entries (for
   * Case.progress, batched: one statement for a page of cases; a case from the change feed may since have been
   * restricted).
   */
  async timelineOf(principal: Principal, caseIds: readonly string[], last: number): Promise<ProgressRow[][]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const raw = await this.em.execute<Record<string, unknown>[]>(
      `select * from (
         select ${PROGRESS_COLUMNS}, row_number() over (partition by p.case_id order by p.occurred_on desc, p.recorded_at desc, p.id desc) as recent
         from case_progress p join bankruptcy_case c on c.id = p.case_id where p.case_id = any(?::uuid[]) and ${visible.sql}
       ) t where t.recent <= ? order by t."occurredOn", t."recordedAt", t.id`,
      [pgArray(caseIds), ...visible.params, last],
    );
    const rows = raw.map(({ recent: _recent, ...row }) => progressRow(row));
    return groupRows(caseIds, rows, (row) => row.caseId);
  }

  /** How many entries the timeline of each case the caller may see now has (Case.progressCount, batched). */
  async countOf(principal: Principal, caseIds: readonly string[]): Promise<number[]> {
    const visible = visibleSql(principal, 'c', 'court_unit_id');
    const counts = await this.em.execute<{ caseId: string; n: number }[]>(
      `select p.case_id as "caseId", count(*)::int as n
       from case_progress p join bankruptcy_case c on c.id = p.case_id where p.case_id = any(?::uuid[]) and ${visible.sql}
       group by p.case_id`,
      [pgArray(caseIds), ...visible.params],
    );
    return countsIn(caseIds, counts, (row) => row.caseId);
  }
}

/** Each kind's own fields: required ones present, foreign ones absent (BAD_USER_INPUT naming the field). */
function checkKindFields(input: AddProgressInput): void {
  const rules = FIELDS[input.kind];
  for (const field of ['amount', 'claimType', 'assetType', 'riskLevel', 'addressedTo', 'inReplyTo'] as const) {
    const value = input[field];
    const given = Array.isArray(value) ? value.length > 0 : value != null;
    if (rules[field] === 'required' && !given) throw badInput(`${field} is required for a ${input.kind} entry`, { field, rule: 'required' });
    if (!rules[field] && given) throw badInput(`${field} does not belong to a ${input.kind} entry`, { field, rule: 'kind' });
  }
}

/** `details` is a JSON object of at most 16 KB. */
function checkDetails(details: unknown): Record<string, unknown> {
  if (details == null) return {};
  if (typeof details !== 'object' || Array.isArray(details)) throw badInput('details must be a JSON object', { field: 'details', rule: 'type' });
  if (Buffer.byteLength(JSON.stringify(details)) > DETAILS_MAX_BYTES) {
    throw badInput(`details may hold at most ${DETAILS_MAX_BYTES} bytes of JSON`, { field: 'details', rule: 'length' });
  }
  return details as Record<string, unknown>;
}
