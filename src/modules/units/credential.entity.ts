import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Role } from '../../access/roles';
import { Unit } from './unit.entity';

/** A bearer key of one unit. Only the key's SHA-256 hash is stored; the key itself is shown once. */
@Entity({ tableName: 'credential' })
export class Credential {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @ManyToOne(() => Unit, { ref: true, deleteRule: 'restrict' })
  @Index()
  unit!: Ref<Unit>;

  /** Hex SHA-256 of the key. */
  @Property({ type: 'text', unique: true })
  keyHash!: string;

  /** The key's first characters, so that a person can tell keys apart without seeing them. */
  @Property({ type: 'text' })
  keyHint!: string;

  @Property({ type: 'text', nullable: true })
  label?: string | null;

  @Property({ type: 'text[]' })
  roles!: Role[];

  @Property({ type: 'datetime', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
