/**
 * What a publication of a risk list takes and answers (publishRiskList, riskPublications' filter): its modes, the
 * policy for invalid rows, the input, the result. The service that carries it out is risk-publication.service.ts.
 */
import type { Classification } from '../../access/classification';
import type { UnitKind } from '../../access/unit-kind';
import type { EntryRowInput, RejectedRow, WithdrawalInput } from './entry-rows';
import type { RiskListType } from '../../risk-list-type';
import type { RiskPublication } from './risk-publication.entity';

export enum PublishMode {
  SNAPSHOT = 'SNAPSHOT', // the whole current list: entries not in it are withdrawn
  DELTA = 'DELTA', // upserts in entries, removals in withdrawals
}

export enum InvalidRowPolicy {
  REJECT_ALL = 'REJECT_ALL', // one bad row commits nothing
  SKIP = 'SKIP', // commit the good rows
}

export interface PublishInput {
  listType: RiskListType;
  mode: PublishMode;
  idempotencyKey: string;
  period?: string | null;
  entries: EntryRowInput[];
  withdrawals?: WithdrawalInput[] | null;
  classification?: Classification | null;
  sharedWithUnits?: string[] | null;
  sharedWithKinds?: UnitKind[] | null;
  onInvalidRow?: InvalidRowPolicy | null;
  allowEmpty?: boolean | null;
  /** The office only: publish a correction for the unit with this code. */
  publisher?: string | null;
}

export interface PublishResult {
  committed: boolean;
  /** True when this answer is the stored answer of an earlier call with the same key and payload. */
  replayed: boolean;
  publication: RiskPublication | null;
  added: number;
  updated: number;
  withdrawn: number;
  unchanged: number;
  rejected: RejectedRow[];
}

export interface PublicationFilter {
  publisher?: string | null;
  listTypes?: RiskListType[] | null;
  period?: string | null;
}

/** Most characters of a publication's period (e.g. 2026-Q3). */
export const PERIOD_MAX = 50;
