import { Migration } from '@mikro-orm/migrations';
import { noteForOperator } from '../src/db/migration-notes';

/**
 * Issue 10 item 5: an enterprise's name and region no longer come from any row that names it, and one known only
 * from RESTRICTED rows exists only for those who may read such a row (access/visibility).
 *
 * Adds `enterprise.public_since` (when the office registered it or a SHARED row first named it; null: only RESTRICTED
 * rows name it) and restores every enterprise whose name came from a non-registry row: the name of the last
 * registerEnterprise audit record that set one, else of the newest SHARED market-regulation entry, else of the first
 * SHARED row (a list entry's version or a case); the region from the same sources in the same order. An enterprise
 * only RESTRICTED rows name keeps its stored name, which nobody sees any more who may not read those rows. The
 * counts go to the operator (db/migration-notes: the hub's log at start-up, `npm run migrate` prints them), unless
 * the database has no enterprise yet.
 */
export class Migration20261204000100_enterprise_names extends Migration {
  override async up(): Promise<void> {
    // Run in order inside the migration's transaction (addSql would run after up(), so after the counts are taken).
    await this.execute(`alter table "enterprise" add column "public_since" timestamptz null;`);
    await this.execute(`create index "enterprise_not_public" on "enterprise" ("uscc") where "public_since" is null;`);
    const [counts] = await this.execute(`
      with registry_names as (
        select distinct on (a.entity_id) a.entity_id as uscc, a.detail ->> 'name' as name
        from audit_record a
        where a.action in ('enterprise.register', 'enterprise.correct') and a.entity_type = 'Enterprise' and (a.detail -> 'name') is not null
        order by a.entity_id, a.id desc
      ), registry_regions as (
        select distinct on (a.entity_id) a.entity_id as uscc, a.detail ->> 'regionCode' as region_code
        from audit_record a
        where a.action in ('enterprise.register', 'enterprise.correct') and a.entity_type = 'Enterprise' and (a.detail -> 'regionCode') is not null
        order by a.entity_id, a.id desc
      ), registered as (
        select a.entity_id as uscc, min(a.occurred_at) as at
        from audit_record a where a.action in ('enterprise.register', 'enterprise.correct') and a.entity_type = 'Enterprise'
        group by a.entity_id
      ), market as (
        select distinct on (r.uscc) r.uscc, r.enterprise_name as name, r.region_code
        from risk_entry r join unit u on u.id = r.publisher_unit_id
        where u.kind = 'MARKET_REGULATION' and r.classification = 'SHARED'
        order by r.uscc, r.published_at desc, r.id desc
      ), shared_rows as (
        -- every SHARED version of every entry (earlier versions keep the sharing they were published with), and cases
        select r.uscc, r.enterprise_name as name, r.region_code, r.published_at as at from risk_entry r where r.classification = 'SHARED'
        union all
        select r.uscc, v.enterprise_name, v.region_code, v.published_at
        from risk_entry_version v join risk_entry r on r.id = v.entry_id where v.classification = 'SHARED'
        union all
        select c.debtor_uscc, c.debtor_name, c.region_code, c.created_at from bankruptcy_case c where c.classification = 'SHARED'
      ), first_shared as (
        select distinct on (uscc) uscc, name, region_code, at from shared_rows order by uscc, at, name
      ), targets as (
        select e.uscc, e.name as old_name, e.region_code as old_region,
          coalesce(rn.name, m.name, f.name) as name, coalesce(rr.region_code, m.region_code, f.region_code) as region_code,
          least(g.at, f.at) as public_since
        from enterprise e
          left join registry_names rn on rn.uscc = e.uscc
          left join registry_regions rr on rr.uscc = e.uscc
          left join registered g on g.uscc = e.uscc
          left join market m on m.uscc = e.uscc
          left join first_shared f on f.uscc = e.uscc
        where g.uscc is not null or f.uscc is not null
      ), restored as (
        update enterprise e set name = t.name, region_code = t.region_code, public_since = t.public_since
        from targets t where e.uscc = t.uscc
        returning t.name is distinct from t.old_name as renamed, t.region_code is distinct from t.old_region as moved
      )
      select (select count(*) from restored where renamed)::int as renamed,
        (select count(*) from restored where moved)::int as moved,
        (select count(*) from enterprise)::int - (select count(*) from restored)::int as restricted_only,
        (select count(*) from enterprise)::int as enterprises`);
    const { renamed, moved, restricted_only: restrictedOnly, enterprises } = counts as Record<string, number>;
    // A new database has nothing to restore and nothing to tell.
    if (!enterprises) return;
    noteForOperator(
      this.config,
      `migration enterprise_names: restored the registry name of ${renamed} enterprise(s) and the region of ${moved} that had been ` +
        `taken from a non-registry row; ${restrictedOnly} enterprise(s) named only by RESTRICTED rows are now shown only to units that may read those rows`,
    );
  }
}
