/**
 * The change log's commit rows and the counter that numbers them (DESIGN.md invariant 3: no lost change, no
 * reordering). A transaction's changes get their commit number from the counter as its last statement before COMMIT,
 * so commit numbers follow commit order; a change without a commit row is not in the log (yet).
 */
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The commit of one transaction's changes: `seq` is taken from {@link ChangeLogCounter} as the last statement
 * before COMMIT, so seq order is commit order and a reader never sees seq n + 1 before seq n.
 */
@Entity({ tableName: 'change_commit' })
export class ChangeCommit {
  @PrimaryKey({ type: 'bigint', autoincrement: false })
  seq!: string;

  @Property({ type: 'uuid', unique: true })
  txId!: string;

  @Property({ type: 'datetime' })
  committedAt!: Date;

  @Property({ type: 'integer' })
  eventCount!: number;
}

/** The single counter row that hands out commit numbers; its row lock is held only for the commit itself. */
@Entity({ tableName: 'change_log_counter' })
export class ChangeLogCounter {
  @PrimaryKey({ type: 'smallint', autoincrement: false })
  id!: number;

  @Property({ type: 'bigint' })
  value!: string;
}
