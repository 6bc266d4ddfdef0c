import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { BankruptcyCase } from './bankruptcy-case.entity';

/**
 * One number (案号) a case carries: the application review's 破申 number, then the proceeding's 破 number, …
 * The canonical form is the key, so a number belongs to one case only.
 */
@Entity({ tableName: 'case_number' })
export class CaseNumberRecord {
  /** Canonical form, e.g. `（2023）晋08破1号`. */
  @PrimaryKey({ type: 'text' })
  number!: string;

  @ManyToOne(() => BankruptcyCase, { fieldName: 'case_id', mapToPk: true, deleteRule: 'restrict' })
  @Index()
  caseId!: string;

  /** 类型代字, e.g. 破申. */
  @Property({ type: 'text' })
  typeCode!: string;

  @Property({ type: 'datetime' })
  addedAt!: Date;

  /** The change-log transaction (change_commit.tx_id) that added it; null only on older rows not derivable (migration …0700). */
  @Property({ type: 'uuid', nullable: true })
  changeTxId?: string | null;
}
