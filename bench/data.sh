# shellcheck shell=bash
# The benchmark databases, shared by bench/pg-backup.sh and bench/pg-restore.sh. Sourced, not executed; needs
# psql_app, log and die, and DB and APP_PG_PORT of the script that sources it.

# parse_bench_args USAGE ARGS... : the options both PostgreSQL benchmarks take, into size_mb, scale, runs, data and
# jobs (the caller sets their defaults first; --jobs is accepted only where USAGE names it).
# shellcheck disable=SC2034 # the variables are the calling script's
parse_bench_args() {
  local usage="$1"
  shift
  while (($#)); do
    case "$1" in
      --size-mb) size_mb="$2"; shift 2 ;;
      --scale) scale="$2"; shift 2 ;;
      --runs) runs="$2"; shift 2 ;;
      --data) data="$2"; shift 2 ;;
      --jobs) [[ "$usage" == *--jobs* ]] || die "usage: $usage"; jobs="$2"; shift 2 ;;
      *) die "usage: $usage" ;;
    esac
  done
  [[ "$data" == random || "$data" == realistic ]] || die "--data is random or realistic"
}

# create_bench_db DATA SCALE SIZE_MB: creates $DB unless it is there already.
#   realistic: pgbench -i -s SCALE plus a text table of SCALE * 75,000 rows, which compresses as real data does.
#   random: about SIZE_MB MB of incompressible rows (hex-decoded md5s), so a dump is as large as the data.
create_bench_db() {
  local data="$1" scale="$2" size_mb="$3" existing
  existing="$(psql_app -d postgres -c "SELECT pg_database_size('$DB') / 1048576" 2>/dev/null || echo 0)"
  if [[ "$data" == realistic ]]; then
    if ! psql_app -d "$DB" -c "SELECT 1 FROM notes LIMIT 1" >/dev/null 2>&1; then
      log "creating $DB: pgbench -i -s $scale and a text table of $((scale * 75000)) rows"
      psql_app -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
      pgbench -i -q -s "$scale" -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep "$DB"
      psql_app -d "$DB" -c "CREATE TABLE notes (id BIGINT PRIMARY KEY, author TEXT NOT NULL, created TIMESTAMPTZ NOT NULL,
        body TEXT NOT NULL)"
      psql_app -d "$DB" -c "INSERT INTO notes SELECT g, 'user-' || (g % 5000), now() - (g || ' seconds')::interval,
        'order ' || g || ' for customer ' || (g % 20000) || ': shipped ' || (g % 7) || ' parcels to warehouse '
        || (g % 40) || ', status ' || (ARRAY['open', 'paid', 'shipped', 'returned'])[1 + g % 4]
        || ', note ' || md5(g::text) FROM generate_series(1, $((scale * 75000))) g"
      psql_app -d "$DB" -c "VACUUM ANALYZE"
    fi
  elif ((existing < size_mb)); then
    log "creating $DB with about $size_mb MB of incompressible rows"
    psql_app -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    psql_app -d "$DB" -c "CREATE TABLE blobs (id BIGINT PRIMARY KEY, body BYTEA NOT NULL)"
    local rows=$((size_mb * 1024)) # 1 KiB per row
    psql_app -d "$DB" -c "INSERT INTO blobs SELECT g, decode(string_agg(md5(g::text || ':' || i), ''), 'hex')
      FROM generate_series(1, $rows) g, generate_series(1, 64) i GROUP BY g"
  fi
  log "database size: $(psql_app -d postgres -c "SELECT pg_size_pretty(pg_database_size('$DB'))")"
}
