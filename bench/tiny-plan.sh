#!/usr/bin/env bash
# Benchmark: the orchestration overhead of a tiny three-store plan (one small database, a bucket of a few objects,
# an index of a few documents), API call to CONSISTENT, with the step timeline of every run: where a run spends its
# time when the stores hold almost nothing. Prints each run, the medians and the goal of issue 13 (<= 1 s).
#
#   bench/tiny-plan.sh [--runs 5] [--warmup 3]
#
# The services are started for the benchmark, so their first runs pay for class loading and the JIT compiler (on
# two cores it competes with the run's own work): the --warmup runs come first and are printed, not counted. The
# first of them is the cold run (a service's first backup after it started).
#
# There is no baseline tool for this row: the cron pipeline has no coordination to measure. The breakdown columns:
#   queue    step created -> dispatched (waiting for an earlier wave)
#   deliver  dispatched -> accepted by its agent (outbox relay, Kafka, the agent's consumer)
#   work     accepted -> ended (the agent's work, and its event back)
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=5
warmup=3
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    *) die "usage: bench/tiny-plan.sh [--runs N] [--warmup N]" ;;
  esac
done

API="http://127.0.0.1:18080/api/v1"
# The coordinator runs with the demo's local profile; its demo admin token (local only) authorizes these calls.
AUTH="Authorization: Bearer ${LOCKSTEP_TOKEN:-lst_demo_admin_local_only}"
APP_PG_PORT="${LOCKSTEP_APP_PG_PORT:-5433}"
export PGPASSWORD="${LOCKSTEP_APP_PG_PASSWORD:-lockstep-app-secret}"
DB=bench_tiny
BUCKET=bench-tiny-media
INDEX=bench-tiny
SNAPSHOT_REPO=bench-tiny
psql_app() { psql -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -v ON_ERROR_STOP=1 -qAt "$@"; }
s3() { # s3 METHOD PATH [curl args...]: a signed request to S3Proxy; the local credential goes through stdin
  local method="$1" path="$2"
  shift 2
  printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" | curl -fsS -K - --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$method" "http://127.0.0.1:$S3_PORT/$path" "$@"
}
es() { curl -fsS -H 'Content-Type: application/json' "$@"; }

"$LOCAL_DIR/up" catalog-pg kafka s3proxy elasticsearch app-pg
command -v jq >/dev/null || die "jq is needed"
(cd "$REPO_DIR" && ./mvnw -q -B install -DskipTests)
ensure_keyset
export LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE="$KEYSET_FILE"

log "creating the tiny stores: database $DB, bucket $BUCKET, index $INDEX"
psql_app -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
psql_app -d "$DB" -c "CREATE TABLE items (id INT PRIMARY KEY, key TEXT NOT NULL)" \
  -c "INSERT INTO items SELECT g, 'items/' || g || '.bin' FROM generate_series(1, 20) g"
s3 PUT "$BUCKET" >/dev/null 2>&1 || true
for i in $(seq 1 20); do head -c 2048 /dev/urandom | s3 PUT "$BUCKET/items/$i.bin" --data-binary @- >/dev/null; done
# Each script run starts from an empty snapshot repository: Elasticsearch's snapshot time grows with the snapshots a
# repository holds, and earlier script runs' would pile up (the plan has no retention; 93 of them made a warm run's
# search capture 750 ms instead of 450).
curl -s -X DELETE "http://127.0.0.1:$ES_PORT/_snapshot/$SNAPSHOT_REPO/*" >/dev/null || true
curl -s -X DELETE "http://127.0.0.1:$ES_PORT/$INDEX" >/dev/null
es -X PUT "http://127.0.0.1:$ES_PORT/$INDEX" -d '{"settings": {"number_of_shards": 1, "number_of_replicas": 0}}' >/dev/null
for i in $(seq 1 20); do es -X PUT "http://127.0.0.1:$ES_PORT/$INDEX/_doc/$i" -d "{\"key\": \"items/$i.bin\"}" >/dev/null; done
es -X POST "http://127.0.0.1:$ES_PORT/$INDEX/_refresh" >/dev/null

# The services in $APPS_DIR may be another run's (a demo, another benchmark): refuse to start over them, and stop
# only what this script started (a failed run must not leave them behind either).
refuse_running_apps
cleanup() {
  stop_app postgres-agent # agents first, so no heartbeat announces them again
  stop_app objectstore-agent
  stop_app search-agent
  for agent in bench-tiny-pg bench-tiny-objects bench-tiny-search; do forget_agent "$API" "$AUTH" "$agent"; done
  stop_app coordinator-service
}
trap cleanup EXIT
prefix="bench-tiny-$(date +%s)"
start_app coordinator-service 18080 QUARKUS_PROFILE=local
start_app postgres-agent 18081 QUARKUS_PROFILE=local LOCKSTEP_AGENT_ID=bench-tiny-pg \
  LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s LOCKSTEP_REPOSITORY_PREFIX="$prefix" \
  LOCKSTEP_POSTGRES_STORES_TINYDB_HOST=127.0.0.1 LOCKSTEP_POSTGRES_STORES_TINYDB_PORT="$APP_PG_PORT" \
  LOCKSTEP_POSTGRES_STORES_TINYDB_USER=lockstep LOCKSTEP_POSTGRES_STORES_TINYDB_PASSWORD="$PGPASSWORD" \
  LOCKSTEP_POSTGRES_STORES_TINYDB_DATABASES="$DB"
start_app objectstore-agent 18082 QUARKUS_PROFILE=local LOCKSTEP_AGENT_ID=bench-tiny-objects \
  LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s LOCKSTEP_REPOSITORY_PREFIX="$prefix" \
  LOCKSTEP_OBJECTSTORE_STORES_TINYMEDIA_ENDPOINT="http://127.0.0.1:$S3_PORT" \
  LOCKSTEP_OBJECTSTORE_STORES_TINYMEDIA_BUCKET="$BUCKET" \
  LOCKSTEP_OBJECTSTORE_STORES_TINYMEDIA_ACCESS_KEY_ID="$S3_ACCESS_KEY" \
  LOCKSTEP_OBJECTSTORE_STORES_TINYMEDIA_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
start_app search-agent 18083 QUARKUS_PROFILE=local LOCKSTEP_AGENT_ID=bench-tiny-search \
  LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s LOCKSTEP_REPOSITORY_PREFIX="$prefix" \
  LOCKSTEP_SEARCH_STORES_TINYSEARCH_URL="http://127.0.0.1:$ES_PORT" LOCKSTEP_SEARCH_STORES_TINYSEARCH_INDICES="$INDEX" \
  LOCKSTEP_SEARCH_STORES_TINYSEARCH_REPOSITORY="$SNAPSHOT_REPO" \
  LOCKSTEP_SEARCH_STORES_TINYSEARCH_REPOSITORY_LOCATION="$RUN/elasticsearch/snapshots/bench-tiny"
for store in tinydb tinymedia tinysearch; do
  wait_for "store $store" 60 bash -c "curl -fs -H '$AUTH' $API/stores | jq -e '.[] | select(.id == \"$store\" and .live)'" \
    || die "store $store was not announced; see the agent logs in $APPS_DIR"
done
curl -fsS -H "$AUTH" -X PUT "$API/plans/bench-tiny" -H 'Content-Type: application/json' -d "{\"stores\": [\"tinydb\", \"tinymedia\", \"tinysearch\"],
  \"references\": [{\"store\": \"tinydb\", \"database\": \"$DB\", \"query\": \"select key from items\", \"objects\": \"tinymedia\"}]}" >/dev/null

# breakdown RUN_JSON: one line per step, its wave, and the milliseconds of each phase (see the header).
breakdown() {
  jq -r '
    def ms: if . == null then null else sub("\\.[0-9]+Z$"; "Z") as $s | (.[0:19] + "Z" | fromdateiso8601) * 1000
      + ((capture("\\.(?<f>[0-9]+)Z$").f // "0") + "000" | .[0:3] | tonumber) end;
    (.createdAt | ms) as $t0
    | .steps | sort_by(.wave, (.createdAt | ms)) | .[]
    | "  wave \(.wave) \(.action)/\(.database // .store): at \((.dispatchedAt | ms) - $t0) ms, queue \((.dispatchedAt | ms) - (.createdAt | ms)),"
      + " deliver \((.acceptedAt | ms) - (.dispatchedAt | ms)), work \((.endedAt | ms) - (.acceptedAt | ms)), ends at \((.endedAt | ms) - $t0)"' <<<"$1"
}

times=()
for i in $(seq $((1 - warmup)) "$runs"); do
  s=$(now_ms)
  id="$(curl -fsS -H "$AUTH" -X POST "$API/plans/bench-tiny/backups" -H 'Content-Type: application/json' -d '{}' | jq -r .id)"
  state="$(follow_run "$API" "$AUTH" "$id")"
  t=$(($(now_ms) - s))
  run="$(curl -fsS -H "$AUTH" "$API/runs/$id")"
  [[ "$state" == CONSISTENT ]] || die "run $id ended $state: $(jq -r .error <<<"$run")"
  if ((i < 1)); then
    printf 'warm-up run %d of %d: API -> CONSISTENT %d ms (not counted)\n' "$((i + warmup))" "$warmup" "$t"
    continue
  fi
  times+=("$t")
  printf 'run %d: API -> CONSISTENT %d ms (catalog: created -> ended %s ms)\n' "$i" "$t" "$(jq -r .durationMillis <<<"$run")"
  breakdown "$run"
done
median="$(printf '%s\n' "${times[@]}" | median)"
printf 'median of %d after %d warm-up runs: API -> CONSISTENT %s ms (goal <= 1000 ms)\n' "$runs" "$warmup" "$median"
