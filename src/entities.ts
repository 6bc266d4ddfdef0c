/**
 * Every ORM entity of the hub, the modules' and those of the floors below them; the ORM (src/db/orm.ts is handed
 * this list by app.ts), the migration check and the schema diff all use this one list.
 */
import { AuditRecord } from './audit/audit-record.entity';
import { ChangeCommit, ChangeLogCounter } from './change-log/change-commit.entity';
import { ChangeEvent } from './change-log/change-event.entity';
import { RiskEntryVersion } from './modules/risk-lists/risk-entry-version.entity';
import { RiskEntry } from './modules/risk-lists/risk-entry.entity';
import { RiskPublication } from './modules/risk-lists/risk-publication.entity';
import { BankruptcyCase } from './modules/cases/bankruptcy-case.entity';
import { CaseNumberRecord } from './modules/cases/case-number-record.entity';
import { CaseProgress } from './modules/cases/case-progress.entity';
import { CaseStageChange } from './modules/cases/case-stage-change.entity';
import { Enterprise } from './modules/enterprises/enterprise.entity';
import { HubSecret } from './db/hub-secret.entity';
import { Credential } from './modules/units/credential.entity';
import { Unit } from './modules/units/unit.entity';

export const entities = [
  Unit,
  Credential,
  Enterprise,
  AuditRecord,
  ChangeLogCounter,
  ChangeCommit,
  ChangeEvent,
  RiskPublication,
  RiskEntry,
  RiskEntryVersion,
  BankruptcyCase,
  CaseNumberRecord,
  CaseStageChange,
  CaseProgress,
  HubSecret,
];
