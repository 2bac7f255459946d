#!/bin/sh
# Run once by the postgres image on the primary's first start (/docker-entrypoint-initdb.d):
# a role the streaming replica connects as, and the pg_hba line that lets it in. The image
# restarts the server after its init scripts, which is when pg_hba.conf is read again.
set -eu

psql -v ON_ERROR_STOP=1 -v password="$POSTGRES_REPLICATION_PASSWORD" \
    --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL

# Replication connections match only lines naming `replication`, not the image's `all`.
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
