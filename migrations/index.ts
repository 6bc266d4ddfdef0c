/**
 * Every migration, in order. A new migration is generated with `npm run migration:create` (it diffs the
 * entities against a database with the existing migrations applied) and must be added to this list.
 */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123000000_foundation } from './Migration20261123000000_foundation';
import { Migration20261124000000_risk_lists } from './Migration20261124000000_risk_lists';

export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123000000_foundation', class: Migration20261123000000_foundation },
  { name: 'Migration20261124000000_risk_lists', class: Migration20261124000000_risk_lists },
];
