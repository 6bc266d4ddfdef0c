import { startTestHub, type TestHub } from '../support/hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(() => t?.stop());

describe('migrations', () => {
  it('after every migration the database matches the entities exactly (no schema diff)', async () => {
    const diff = await t.hub.db.orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });

  it('no migration is pending and the migrator sees nothing to generate', async () => {
    const migrator = t.hub.db.orm.getMigrator();
    expect(await migrator.getPendingMigrations()).toEqual([]);
    expect(await migrator.checkMigrationNeeded()).toBe(false);
  });
});
