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
