#!/bin/sh
# The hub's two database roles (README "Two database roles"). The postgres image runs this once, as its superuser
# POSTGRES_USER, when it first initialises an empty data folder; run it by hand on an existing one:
#   docker compose exec -T postgres sh /docker-entrypoint-initdb.d/10-roles.sh
# The tests run this very file against the test server (test/support/database-roles.ts).
#   HUB_DB_OWNER (password HUB_DB_OWNER_PASSWORD) owns the database POSTGRES_DB, hence its schema public: the hub
#                migrates as it (DATABASE_OWNER_URL), so it owns every table.
#   HUB_DB_USER  (password HUB_DB_PASSWORD) is the runtime role the hub serves as (DATABASE_URL): no superuser, it owns
#                nothing; the migrations grant it what it needs (the audit trail: read and append only).
# Neither may create databases or roles. Running it again keeps both roles and sets their passwords anew.
: "${POSTGRES_USER:?}" "${POSTGRES_DB:?}"
: "${HUB_DB_OWNER:?set HUB_DB_OWNER}" "${HUB_DB_OWNER_PASSWORD:?set HUB_DB_OWNER_PASSWORD}"
: "${HUB_DB_USER:?set HUB_DB_USER}" "${HUB_DB_PASSWORD:?set HUB_DB_PASSWORD}"
# Not exec: should the image source this file instead of running it, it must return to the image's own script.
psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="$POSTGRES_DB" -v owner="$HUB_DB_OWNER" -v owner_password="$HUB_DB_OWNER_PASSWORD" \
  -v runtime="$HUB_DB_USER" -v runtime_password="$HUB_DB_PASSWORD" <<'SQL'
select not exists (select from pg_roles where rolname = :'owner') as create_owner,
       not exists (select from pg_roles where rolname = :'runtime') as create_runtime \gset
\if :create_owner
create role :"owner";
\endif
\if :create_runtime
create role :"runtime";
\endif
alter role :"owner" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'owner_password';
alter role :"runtime" with login nosuperuser nocreatedb nocreaterole noreplication nobypassrls password :'runtime_password';
-- Owning the database gives the owner its schema public (PostgreSQL 15) and pg_trgm (a trusted extension).
alter database :"db" owner to :"owner";
-- Only these two connect; the runtime role also needs temporary tables (a publication stages its rows in one).
revoke all on database :"db" from public;
grant connect, temporary on database :"db" to :"owner", :"runtime";
-- Nobody but the owner creates objects in schema public (already so on a fresh PostgreSQL 15 database).
revoke create on schema public from public;
SQL
