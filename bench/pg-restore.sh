#!/usr/bin/env bash
# Benchmark: a Lockstep PostgreSQL restore into a new database, from the API call to SUCCEEDED (the artifact
# re-verified, then restored into a scratch database that takes the target's name), against what operators do today,
# side by side on the same database:
#   anchor     CREATE DATABASE + pg_restore -1 of a local pg_dump -Fc file
#   local -jN  CREATE DATABASE + pg_restore -jN of the same local file (the most a parallel restore can give here)
#   piped -jN  the same of a local pg_dump -Fc -Z0 written through a pipe, as Lockstep's spool is (uncompressed, and
#              without the data offsets pg_dump can only write into a seekable file)
#   lockstep   lockstep.postgres.restore.jobs=1: the artifact streamed into pg_restore --single-transaction
#   lockstep   lockstep.postgres.restore.jobs=N: the artifact spooled to a file, then pg_restore --jobs=N
# Each repetition restarts the postgres-agent for each Lockstep setting and times the local restores next to it,
# so every setting meets the same machine (the load here drifts within minutes). Prints each run, the medians and the ratios to the anchor.
#
#   bench/pg-restore.sh [--data random|realistic] [--size-mb 1200] [--scale 40] [--runs 3] [--jobs 2]
#
# --data and its sizes as in bench/pg-backup.sh (the same database is reused). Machines here are shared and noisy:
# read medians and ratios, not single runs.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=data.sh
source "$(dirname "${BASH_SOURCE[0]}")/data.sh"

size_mb=1200
scale=40
runs=3
jobs=2
data=random
parse_bench_args "bench/pg-restore.sh [--data random|realistic] [--size-mb N] [--scale N] [--runs N] [--jobs N]" "$@"
((jobs > 1)) || die "--jobs must be above 1 (jobs=1 is always measured)"

APP_PG_PORT="${LOCKSTEP_APP_PG_PORT:-5433}"
export PGPASSWORD="${LOCKSTEP_APP_PG_PASSWORD:-lockstep-app-secret}"
DB=bench_blobs
[[ "$data" == realistic ]] && DB="bench_pgbench_s$scale"
API="http://127.0.0.1:18080/api/v1"
# The coordinator runs with the demo's local profile; its demo admin token (local only) authorizes these calls.
AUTH="Authorization: Bearer ${LOCKSTEP_TOKEN:-lst_demo_admin_local_only}"
psql_app() { psql -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -v ON_ERROR_STOP=1 -qAt "$@"; }
TARGET="bench_restored_$$"
drop_target() { psql_app -d postgres -c "DROP DATABASE IF EXISTS $TARGET WITH (FORCE)"; }

"$LOCAL_DIR/up" catalog-pg app-pg kafka s3proxy
# package, not install: the benchmark needs the jars in target/, not in the shared local Maven repository.
(cd "$REPO_DIR" && ./mvnw -q -B package -DskipTests -pl coordinator-service,postgres-agent -am)
ensure_keyset
export LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE="$KEYSET_FILE"
create_bench_db "$data" "$scale" "$size_mb"

# The services in $APPS_DIR may be another run's (a demo, another benchmark): refuse to start over them, and stop
# only what this script started.
refuse_running_apps
work="$(mktemp -d)"
cleanup() {
  stop_app postgres-agent # first, so no heartbeat of it announces it again
  forget_agent "$API" "$AUTH" bench-agent
  stop_app coordinator-service
  drop_target || true
  rm -rf "$work"
}
trap cleanup EXIT
log "dumping $DB to a local file (pg_dump -Fc) for the anchor"
pg_dump -Fc -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -f "$work/bench.dump" "$DB"
dump_bytes="$(stat -c %s "$work/bench.dump")"
pg_dump -Fc -Z0 -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep "$DB" | cat >"$work/piped.dump"

start_agent() {
  LOCKSTEP_JAVA_OPTS="-Xmx128m -XX:+ExitOnOutOfMemoryError" start_app postgres-agent 18081 QUARKUS_PROFILE=local \
    LOCKSTEP_AGENT_ID=bench-agent LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s LOCKSTEP_POSTGRES_RESTORE_JOBS="$1" \
    LOCKSTEP_POSTGRES_STORES_BENCH_HOST=127.0.0.1 LOCKSTEP_POSTGRES_STORES_BENCH_PORT="$APP_PG_PORT" \
    LOCKSTEP_POSTGRES_STORES_BENCH_USER=lockstep LOCKSTEP_POSTGRES_STORES_BENCH_PASSWORD="$PGPASSWORD" \
    LOCKSTEP_POSTGRES_STORES_BENCH_DATABASES="$DB"
  wait_for "store bench" 60 bash -c "curl -fs -H '$AUTH' $API/stores | jq -e '.[] | select(.id == \"bench\" and .live and (.databases | index(\"$DB\")))'"
  # A dry run goes through the agent (INSPECT): once it answers, the agent takes commands.
  [[ -n "$backup_id" ]] || return 0
  curl -fsS -H "$AUTH" -X POST "$API/runs/$backup_id/restore" -H 'Content-Type: application/json' \
    -d "{\"dryRun\": true, \"targets\": {\"bench\": {\"databases\": {\"$DB\": \"$TARGET\"}}}}" >/dev/null
}
# await_run ID STATE: follows the run until it ends; fails unless it ended in STATE.
await_run() {
  local state
  state="$(follow_run "$API" "$AUTH" "$1")"
  [[ "$state" == "$2" ]] || die "run $1 ended $state: $(curl -fsS -H "$AUTH" "$API/runs/$1" | jq -r .error)"
}
local_restore() { # local_restore OPTION FILE: prints the milliseconds of CREATE DATABASE + pg_restore
  drop_target
  local s; s=$(now_ms)
  psql_app -d postgres -c "CREATE DATABASE $TARGET TEMPLATE template0" >&2
  pg_restore "$1" --exit-on-error -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -d "$TARGET" "$work/$2" >&2
  echo $(($(now_ms) - s))
}

start_app coordinator-service 18080 QUARKUS_PROFILE=local
backup_id=""
start_agent 1
curl -fsS -H "$AUTH" -X PUT "$API/plans/bench" -H 'Content-Type: application/json' -d '{"stores": ["bench"]}' >/dev/null
backup_id="$(curl -fsS -H "$AUTH" -X POST "$API/plans/bench/backups" -H 'Content-Type: application/json' -d '{}' | jq -r .id)"
await_run "$backup_id" CONSISTENT
artifact_bytes="$(curl -fsS -H "$AUTH" "$API/runs/$backup_id" | jq -r .bytes)"
log "backup $backup_id: artifact $((artifact_bytes / 1048576)) MB, pg_dump -Fc file $((dump_bytes / 1048576)) MB"

declare -a t_one t_par t_pipe t_lock1 t_lockn
for i in $(seq 1 "$runs"); do
  for j in 1 "$jobs"; do
    stop_app postgres-agent
    start_agent "$j"
    a="$(local_restore --single-transaction bench.dump)"; t_one+=("$a")
    p="$(local_restore "--jobs=$jobs" bench.dump)"; t_par+=("$p")
    q="$(local_restore "--jobs=$jobs" piped.dump)"; t_pipe+=("$q")
    drop_target
    s=$(now_ms)
    run_id="$(curl -fsS -H "$AUTH" -X POST "$API/runs/$backup_id/restore" -H 'Content-Type: application/json' \
      -d "{\"targets\": {\"bench\": {\"databases\": {\"$DB\": \"$TARGET\"}}}}" | jq -r .id)"
    await_run "$run_id" SUCCEEDED
    l=$(($(now_ms) - s))
    if ((j == 1)); then t_lock1+=("$l"); else t_lockn+=("$l"); fi
    step_ms="$(curl -fsS -H "$AUTH" "$API/runs/$run_id" | jq -r '.steps[] | select(.action == "RESTORE") | .evidence.durationMillis')"
    spool="$(grep -o 'spooled (.*' "$APPS_DIR/postgres-agent/postgres-agent.log" | tail -1 || true)"
    printf 'run %d jobs=%d: pg_restore -1 %6d ms | -j%d %6d ms | piped -Z0 -j%d %6d ms | lockstep API->SUCCEEDED %6d ms (RESTORE step %s ms) %s\n' \
      "$i" "$j" "$a" "$jobs" "$p" "$jobs" "$q" "$l" "$step_ms" "$spool"
  done
done

m1="$(printf '%s\n' "${t_one[@]}" | median)"
mp="$(printf '%s\n' "${t_par[@]}" | median)"
mq="$(printf '%s\n' "${t_pipe[@]}" | median)"
ml1="$(printf '%s\n' "${t_lock1[@]}" | median)"
mlp="$(printf '%s\n' "${t_lockn[@]}" | median)"
echo
echo "medians: pg_restore -1 ${m1} ms, pg_restore -j$jobs ${mp} ms, piped -Z0 -j$jobs ${mq} ms ($((2 * runs)) runs each);" \
  "lockstep jobs=1 ${ml1} ms, lockstep jobs=$jobs ${mlp} ms ($runs runs each)"
awk -v l="$ml1" -v a="$m1" 'BEGIN {printf "lockstep jobs=1 / pg_restore -1 = %.3f\n", l / a}'
awk -v l="$mlp" -v a="$m1" -v j="$jobs" 'BEGIN {printf "lockstep jobs=%d / pg_restore -1 = %.3f (goal: <= 0.8)\n", j, l / a}'
awk -v l="$mlp" -v p="$mp" -v j="$jobs" 'BEGIN {printf "lockstep jobs=%d / pg_restore -j%d = %.3f\n", j, j, l / p}'
awk -v l="$mlp" -v p="$mq" -v j="$jobs" 'BEGIN {printf "lockstep jobs=%d / piped -Z0 pg_restore -j%d = %.3f\n", j, j, l / p}'
awk -v l="$mlp" -v o="$ml1" -v j="$jobs" 'BEGIN {printf "lockstep jobs=%d / lockstep jobs=1 = %.3f\n", j, l / o}'
echo "database $DB: $(psql_app -d postgres -c "SELECT pg_size_pretty(pg_database_size('$DB'))");" \
  "artifact $((artifact_bytes / 1048576)) MB; pg_dump -Fc file $((dump_bytes / 1048576)) MB"
