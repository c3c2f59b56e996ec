#!/usr/bin/env bash
# Benchmark: a Lockstep PostgreSQL backup, from the API call to CONSISTENT (dump, upload, verification),
# against the tools operators use today, run side by side on the same database:
#   baseline   pg_dump -Fc db > /dev/null
#   cron       pg_dump -Fc db | aws s3 cp - s3://bucket/key      (when the aws CLI is installed)
# Prints each run, the medians, and the ratios. The postgres-agent runs with -Xmx128m, so a dump larger
# than the heap also shows the memory bound (its peak RSS is printed).
#
#   bench/pg-backup.sh [--data random|realistic] [--size-mb 1200] [--scale 40] [--runs 3]
#
# --data random (default): incompressible rows of about --size-mb MB, so compression is wasted work.
# --data realistic: pgbench -i -s --scale (40 gives about 600 MB) plus a text table of a few million rows, which
# compresses as real data does; the dump sizes (Lockstep's artifact and pg_dump -Fc's) are printed side by side.
#
# Machines here are shared and noisy: read medians and ratios, not single runs.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=data.sh
source "$(dirname "${BASH_SOURCE[0]}")/data.sh"

size_mb=1200
scale=40
runs=3
data=random
parse_bench_args "bench/pg-backup.sh [--data random|realistic] [--size-mb N] [--scale N] [--runs N]" "$@"


APP_PG_PORT="${LOCKSTEP_APP_PG_PORT:-5433}"
export PGPASSWORD="${LOCKSTEP_APP_PG_PASSWORD:-lockstep-app-secret}"
DB=bench_blobs
[[ "$data" == realistic ]] && DB="bench_pgbench_s$scale"
API="http://127.0.0.1:18080/api/v1"
# The coordinator runs with the demo's local profile; its demo admin token (local only) authorizes these calls.
AUTH="Authorization: Bearer ${LOCKSTEP_TOKEN:-lst_demo_admin_local_only}"
psql_app() { psql -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -v ON_ERROR_STOP=1 -qAt "$@"; }

"$LOCAL_DIR/up" catalog-pg app-pg kafka s3proxy
(cd "$REPO_DIR" && ./mvnw -q -B install -DskipTests)
# The local profile encrypts every artifact: the services need the key-encryption keyset (created on first use).
ensure_keyset
export LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE="$KEYSET_FILE"

create_bench_db "$data" "$scale" "$size_mb"

# Lockstep: a coordinator and a postgres-agent with a 128 MiB heap, on their own ports.
# The services in $APPS_DIR may be another run's (a demo, another benchmark): refuse to start over them, and stop
# only what this script started (a failed run must not leave them behind either).
refuse_running_apps
cleanup() {
  stop_app postgres-agent # first, so no heartbeat of it announces it again
  forget_agent "$API" "$AUTH" bench-agent
  stop_app coordinator-service
}
trap cleanup EXIT
start_app coordinator-service 18080 QUARKUS_PROFILE=local
LOCKSTEP_JAVA_OPTS="-Xmx128m -XX:+ExitOnOutOfMemoryError" start_app postgres-agent 18081 QUARKUS_PROFILE=local \
  LOCKSTEP_AGENT_ID=bench-agent LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s \
  LOCKSTEP_POSTGRES_STORES_BENCH_HOST=127.0.0.1 LOCKSTEP_POSTGRES_STORES_BENCH_PORT="$APP_PG_PORT" \
  LOCKSTEP_POSTGRES_STORES_BENCH_USER=lockstep LOCKSTEP_POSTGRES_STORES_BENCH_PASSWORD="$PGPASSWORD" \
  LOCKSTEP_POSTGRES_STORES_BENCH_DATABASES="$DB"
agent_pid="$(cat "$APPS_DIR/postgres-agent/pid")"
wait_for "store bench" 60 bash -c "curl -fs -H '$AUTH' $API/stores | jq -e '.[] | select(.id == \"bench\" and .live and (.databases | index(\"$DB\")))'"
curl -fsS -H "$AUTH" -X PUT "$API/plans/bench" -H 'Content-Type: application/json' -d '{"stores": ["bench"]}' >/dev/null

have_aws=false
if command -v aws >/dev/null; then have_aws=true; fi
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1

declare -a t_base t_cron t_lock
for i in $(seq 1 "$runs"); do
  s=$(now_ms); dump_bytes="$(pg_dump -Fc -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep "$DB" | wc -c)"
  t_base+=($(($(now_ms) - s)))

  if $have_aws; then
    s=$(now_ms)
    pg_dump -Fc -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep "$DB" \
      | aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3 cp - "s3://lockstep-backups/bench/cron-$i.dump" --only-show-errors
    t_cron+=($(($(now_ms) - s)))
  fi

  s=$(now_ms)
  run_id="$(curl -fsS -H "$AUTH" -X POST "$API/plans/bench/backups" -H 'Content-Type: application/json' -d '{}' | jq -r .id)"
  state="$(follow_run "$API" "$AUTH" "$run_id")"
  t_lock+=($(($(now_ms) - s)))
  [[ "$state" == CONSISTENT ]] || die "run $run_id ended $state: $(curl -fsS -H "$AUTH" "$API/runs/$run_id" | jq -r .error)"
  bytes="$(curl -fsS -H "$AUTH" "$API/runs/$run_id" | jq -r .bytes)"
  printf 'run %d: pg_dump>/dev/null %6d ms | pg_dump|aws s3 cp %6s ms | lockstep API->CONSISTENT %6d ms (artifact %d MB, pg_dump -Fc %d MB)\n' \
    "$i" "${t_base[-1]}" "${t_cron[-1]:--}" "${t_lock[-1]}" $((bytes / 1048576)) $((dump_bytes / 1048576))
done

mb="$(printf '%s\n' "${t_base[@]}" | median)"
ml="$(printf '%s\n' "${t_lock[@]}" | median)"
echo
echo "medians over $runs runs: pg_dump>/dev/null ${mb} ms, lockstep ${ml} ms"
awk -v l="$ml" -v b="$mb" 'BEGIN {printf "lockstep / pg_dump>/dev/null = %.3f (bar: <= 1.15)\n", l / b}'
if $have_aws; then
  mc="$(printf '%s\n' "${t_cron[@]}" | median)"
  echo "pg_dump | aws s3 cp median ${mc} ms"
  awk -v l="$ml" -v c="$mc" 'BEGIN {printf "lockstep / (pg_dump | aws s3 cp) = %.3f (goal: <= 0.5)\n", l / c}'
fi
awk -v a="$bytes" -v d="$dump_bytes" 'BEGIN {printf "artifact size / pg_dump -Fc size = %.3f (bar: <= 1.1)\n", a / d}'
echo "postgres-agent (-Xmx128m) peak RSS: $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$agent_pid/status")"
echo "postgres-agent heap after the runs: $(jcmd "$agent_pid" GC.heap_info 2>/dev/null | awk '/garbage-first heap|def new generation/ {print; exit}')"
