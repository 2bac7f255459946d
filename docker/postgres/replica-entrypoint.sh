#!/bin/sh
# The streaming replica: on its first start (an empty data directory) a base backup of the
# primary with -R, which writes standby.signal and primary_conninfo; then PostgreSQL, which
# starts as a hot standby and follows the primary from there. Runs as the postgres user.
set -eu

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    echo "replica: taking a base backup of $PRIMARY_HOST"
    PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" pg_basebackup \
        --host="$PRIMARY_HOST" --port="${PRIMARY_PORT:-5432}" --username=replicator \
        --pgdata="$PGDATA" --wal-method=stream --write-recovery-conf --checkpoint=fast
    # PostgreSQL refuses a data directory others can read (the volume's is 1777).
    chmod 0700 "$PGDATA"
fi

exec postgres -c hot_standby=on "$@"
