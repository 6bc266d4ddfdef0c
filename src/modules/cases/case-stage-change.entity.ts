import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Unit } from '../units/unit.entity';
import { BankruptcyCase } from './bankruptcy-case.entity';

/** One step of a case's stage history: the registration (version 1) and each stage move after it. */
@Entity({ tableName: 'case_stage_change' })
export class CaseStageChange {
  @ManyToOne(() => BankruptcyCase, { fieldName: 'case_id', mapToPk: true, primary: true, deleteRule: 'restrict' })
  caseId!: string;

  /** The case's version right after the move. */
  @PrimaryKey({ type: 'integer' })
  version!: number;

  /** Null for the registration. */
  @Property({ type: 'text', nullable: true })
  fromStage?: string | null;

  @Property({ type: 'text' })
  toStage!: string;

  @Property({ type: 'text', nullable: true })
  fromProcedure?: string | null;

  @Property({ type: 'text' })
  toProcedure!: string;

  /** The date of the ruling or event. */
  @Property({ type: 'date' })
  on!: string;

  @Property({ type: 'text', nullable: true })
  note?: string | null;

  @ManyToOne(() => Unit, { fieldName: 'actor_unit_id', mapToPk: true, deleteRule: 'restrict' })
  actorUnitId!: string;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  /** The change-log transaction (change_commit.tx_id) of the move; null only on older rows not derivable (migration …0700). */
  @Property({ type: 'uuid', nullable: true })
  changeTxId?: string | null;
}
