/**
 * Every migration, in order. A new migration is generated with `npm run migration:create` (it diffs the
 * entities against a database with the existing migrations applied) and must be added to this list.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_foundation } from './Migration20261123000000_foundation';
import { Migration20261124000000_risk_lists } from './Migration20261124000000_risk_lists';
import { Migration20261129000000_case_ledger } from './Migration20261129000000_case_ledger';
import { Migration20261204000100_enterprise_names } from './Migration20261204000100_enterprise_names';
import { Migration20261204000200_court_codes } from './Migration20261204000200_court_codes';
import { Migration20261204000300_cursor_key } from './Migration20261204000300_cursor_key';
import { Migration20261204000400_audit_keyed } from './Migration20261204000400_audit_keyed';
import { Migration20261204000500_runtime_role } from './Migration20261204000500_runtime_role';
import { Migration20261204000700_history_commit } from './Migration20261204000700_history_commit';
import { Migration20261204000800_newest_active } from './Migration20261204000800_newest_active';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261124000000_risk_lists', class: Migration20261124000000_risk_lists },
  { name: 'Migration20261129000000_case_ledger', class: Migration20261129000000_case_ledger },
  { name: 'Migration20261204000100_enterprise_names', class: Migration20261204000100_enterprise_names },
  { name: 'Migration20261204000200_court_codes', class: Migration20261204000200_court_codes },
  { name: 'Migration20261204000300_cursor_key', class: Migration20261204000300_cursor_key },
  { name: 'Migration20261204000400_audit_keyed', class: Migration20261204000400_audit_keyed },
  { name: 'Migration20261204000500_runtime_role', class: Migration20261204000500_runtime_role },
  { name: 'Migration20261204000700_history_commit', class: Migration20261204000700_history_commit },
  { name: 'Migration20261204000800_newest_active', class: Migration20261204000800_newest_active },
];
