#!/bin/sh
# Run once by the postgres image when it creates the database (docker-entrypoint-initdb.d,
# see docker-compose.yml): the application's own role, qingshou_app, which may read and
# write rows but owns no table. Only a table's owner (or a superuser) can disable its
# triggers (ALTER TABLE ... DISABLE TRIGGER) or set session_replication_role, so the app's
# connection cannot switch off the ledger's immutability triggers. Migrations run as the
# owner (POSTGRES_USER, service "migrate"); every table and sequence it creates is granted
# to qingshou_app by the default privileges below.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$APP_DB_PASSWORD" -v owner="$POSTGRES_USER" -v dbname="$POSTGRES_DB" <<'SQL'
CREATE ROLE qingshou_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'app_password';
GRANT CONNECT ON DATABASE :"dbname" TO qingshou_app;
GRANT USAGE ON SCHEMA public TO qingshou_app;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO qingshou_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO qingshou_app;
SQL
