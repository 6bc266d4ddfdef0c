import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A secret the hub keeps in its database so that every instance and every restart shares it: today the key that
 * seals change-feed cursors (src/change-log/cursor.ts), written once by its migration and only read afterwards.
 */
@Entity({ tableName: 'hub_secret' })
export class HubSecret {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  value!: string;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
