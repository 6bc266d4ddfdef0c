-- Hands a database that one role owned (a hub run with DATABASE_URL alone, or the docker-compose.yml of before the
-- two roles) to the owner role, so that the hub can run with DATABASE_OWNER_URL (README "Two database roles").
-- Run it as a superuser, in the hub's database, with the hub stopped, after creating the roles:
--   psql -v ON_ERROR_STOP=1 -d fuyuan -v owner=fuyuan_owner -f docker/move-to-owner.sql
-- It moves the database, the hub's tables (their sequences follow) and functions in schema public (not those of
-- the extension pg_trgm) to the owner. At its next start with both URLs the hub grants the runtime role its share.
-- test/e2e/database-roles-startup.test.ts runs this very file.
\set ON_ERROR_STOP on
select set_config('fyh.new_owner', :'owner', false);
do $$
declare
  owner text := current_setting('fyh.new_owner');
  item record;
begin
  execute format('alter database %I owner to %I', current_database(), owner);
  for item in select c.oid::regclass as name from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') loop
    execute format('alter table %s owner to %I', item.name, owner);
  end loop;
  -- Sequences not owned by a column (those follow their table).
  for item in select c.oid::regclass as name from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
        and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')) loop
    execute format('alter sequence %s owner to %I', item.name, owner);
  end loop;
  for item in select p.oid::regprocedure as name from pg_proc p
      where p.pronamespace = 'public'::regnamespace
        and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e') loop
    execute format('alter function %s owner to %I', item.name, owner);
  end loop;
end $$;
