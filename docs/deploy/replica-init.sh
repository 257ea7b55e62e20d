#!/usr/bin/env bash
# Run once by the postgres image when the primary's data directory is created (docker-entrypoint-initdb.d):
# a role the replica connects as, and the pg_hba.conf line that lets it stream (ALTER SYSTEM cannot set that).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
  -c "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${LINLI_REPLICATION_PASSWORD}'"
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
