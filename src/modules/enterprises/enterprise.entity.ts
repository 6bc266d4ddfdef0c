import { Entity, Index, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

/**
 * An enterprise keyed by its USCC. That it exists is public once the office registered it or a SHARED row names it
 * (`publicSince`); until then only RESTRICTED rows name it, and it exists only for those who may read one of them
 * (access/visibility). `name` and `regionCode` change only through registerEnterprise and SHARED publications of
 * market regulation (enterprise.sql.ts); the legal representative's ID number and contact phone are personal data
 * (masked without PERSONAL_DATA).
 */
@Entity({ tableName: 'enterprise' })
@Index({ name: 'enterprise_region_prefix', expression: 'create index "enterprise_region_prefix" on "enterprise" ("region_code" text_pattern_ops)' })
@Index({ name: 'enterprise_name_trgm', expression: 'create index "enterprise_name_trgm" on "enterprise" using gin ("name" gin_trgm_ops)' })
@Index({ name: 'enterprise_not_public', expression: 'create index "enterprise_not_public" on "enterprise" ("uscc") where "public_since" is null' })
export class Enterprise {
  @PrimaryKey({ type: 'string', length: 18 })
  uscc!: string;

  /**
   * The registry name (the office's, or a SHARED market-regulation publication's, else the first SHARED row's). While
   * the enterprise is not public: the first row's name, which nobody sees who may not read that row.
   */
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

  /** When the enterprise became public (registered by the office, or named by a SHARED row); null until then. */
  @Property({ type: 'datetime', nullable: true })
  publicSince?: Date | null;

  /** When the hub first heard of the enterprise (from any row); what units see is `publicSince`. */
  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}
