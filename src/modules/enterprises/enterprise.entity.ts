import { Entity, Index, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

/**
 * An enterprise keyed by its USCC. That it exists is a public registry fact; the legal representative's ID
 * number and contact phone are personal data (masked without PERSONAL_DATA, see access/visibility).
 */
@Entity({ tableName: 'enterprise' })
@Index({ name: 'enterprise_region_prefix', expression: 'create index "enterprise_region_prefix" on "enterprise" ("region_code" text_pattern_ops)' })
@Index({ name: 'enterprise_name_trgm', expression: 'create index "enterprise_name_trgm" on "enterprise" using gin ("name" gin_trgm_ops)' })
export class Enterprise {
  @PrimaryKey({ type: 'string', length: 18 })
  uscc!: string;

  @Property({ type: 'text' })
  name!: string;

  /** Where the enterprise is (GB/T 2260); defaults to the USCC's division digits when not given. */
  @Property({ type: 'string', length: 6 })
  regionCode!: string;

  @Property({ type: 'text', nullable: true })
  industry?: string | null;

  /** 法定代表人 */
  @Property({ type: 'text', nullable: true })
  legalRepresentative?: string | null;

  /** Personal data: the legal representative's ID number. */
  @Property({ type: 'text', nullable: true })
  legalRepresentativeIdNumber?: string | null;

  /** Personal data: a contact phone. */
  @Property({ type: 'text', nullable: true })
  contactPhone?: string | null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
