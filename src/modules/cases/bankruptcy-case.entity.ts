import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { Enterprise } from '../enterprises/enterprise.entity';
import { Unit } from '../units/unit.entity';

/**
 * A case on the ledger of major and sensitive bankruptcy cases (重大、敏感案件台账): its court, debtor, procedure
 * and stage, and the monitoring points of source 000 (监测、评估重点内容). `version` guards every edit
 * (expectedVersion); progress entries are appended beside it and do not change it.
 *
 * Written with SQL by the case service; the entity describes the table.
 */
@Entity({ tableName: 'bankruptcy_case' })
@Index({ name: 'bankruptcy_case_updated', properties: ['updatedAt', 'id'] })
@Index({
  name: 'bankruptcy_case_region_prefix',
  expression: 'create index "bankruptcy_case_region_prefix" on "bankruptcy_case" ("region_code" text_pattern_ops)',
})
export class BankruptcyCase {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** The court that hears the case (受理法院), the case's owner. */
  @ManyToOne(() => Unit, { fieldName: 'court_unit_id', mapToPk: true, deleteRule: 'restrict' })
  @Index()
  courtUnitId!: string;

  /** 债务人 */
  @ManyToOne(() => Enterprise, { fieldName: 'debtor_uscc', mapToPk: true, deleteRule: 'restrict' })
  @Index()
  debtorUscc!: string;

  /** The debtor's name as the court gave it. */
  @Property({ type: 'text' })
  debtorName!: string;

  /** The debtor's region (GB/T 2260). */
  @Property({ type: 'string', length: 6 })
  regionCode!: string;

  @Property({ type: 'text' })
  procedure!: string;

  @Property({ type: 'text' })
  stage!: string;

  /** The date of the ruling or event that began the current stage. */
  @Property({ type: 'date' })
  stageOn!: string;

  @Property({ type: 'date', nullable: true })
  appliedOn?: string | null;

  @Property({ type: 'date', nullable: true })
  acceptedOn?: string | null;

  /** 管理人 */
  @Property({ type: 'text', nullable: true })
  administrator?: string | null;

  /** 重大 */
  @Property({ type: 'boolean' })
  major!: boolean;

  /** 敏感: RESTRICTED by default. */
  @Property({ type: 'boolean' })
  sensitive!: boolean;

  /** 涉及职工人数 */
  @Property({ type: 'integer', nullable: true })
  employeesAffected?: number | null;

  /** 拖欠工资, yuan. */
  @Property({ type: 'decimal', precision: 18, scale: 2, nullable: true })
  wagesOwed?: string | null;

  /** 负债, yuan. */
  @Property({ type: 'decimal', precision: 18, scale: 2, nullable: true })
  debts?: string | null;

  /** 资产, yuan. */
  @Property({ type: 'decimal', precision: 18, scale: 2, nullable: true })
  assets?: string | null;

  /** 债权人人数 */
  @Property({ type: 'integer', nullable: true })
  creditors?: number | null;

  /** 信访风险, 1 RED … 4 BLUE. */
  @Property({ type: 'smallint', nullable: true })
  petitionRisk?: number | null;

  /** 舆情风险 */
  @Property({ type: 'smallint', nullable: true })
  publicOpinionRisk?: number | null;

  /** 社会稳定风险 */
  @Property({ type: 'smallint', nullable: true })
  socialStabilityRisk?: number | null;

  /** The most severe of the three risks, kept with them (filters and orders use it). */
  @Property({ type: 'smallint', nullable: true })
  riskLevel?: number | null;

  /** 处置预案: the handling plan prepared in advance. */
  @Property({ type: 'text', nullable: true })
  handlingPlan?: string | null;

  @Property({ type: 'text' })
  classification!: string;

  @Property({ type: 'text[]' })
  sharedUnitCodes: string[] & Opt = [];

  @Property({ type: 'text[]' })
  sharedKinds: string[] & Opt = [];

  /** 1 at registration; each stage move or update adds one. */
  @Property({ type: 'integer' })
  version!: number;

  /** The unit that put the case on the ledger: its court, or the office. */
  @ManyToOne(() => Unit, { fieldName: 'registered_by_unit_id', mapToPk: true, deleteRule: 'restrict' })
  registeredByUnitId!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}
