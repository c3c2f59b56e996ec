#!/usr/bin/env bash
# The Lockstep demo: real services, a real sample application database, one consistent backup.
#
#   deploy/local/demo.sh
#
# 1. starts PostgreSQL, Kafka, S3Proxy and Elasticsearch on loopback (deploy/local/up) and builds Lockstep;
# 2. creates the sample database "shop" (about 375k rows in four related tables);
# 3. starts the coordinator and a postgres-agent;
# 4. creates a plan and starts a backup through the REST API, and follows the run;
# 5. prints the run, then restores the dump with pg_restore into a new database and compares row counts.
# The services keep running afterwards; deploy/local/down stops everything.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APP_PG_PORT="${LOCKSTEP_APP_PG_PORT:-5433}"
API="http://127.0.0.1:${LOCKSTEP_COORDINATOR_PORT:-8080}/api/v1"
# Local-only password of the sample application cluster (deploy/local/up creates it). Given to psql through
# the environment, never on a command line.
export PGPASSWORD="${LOCKSTEP_APP_PG_PASSWORD:-lockstep-app-secret}"
app_psql() { psql -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -v ON_ERROR_STOP=1 -q "$@"; }

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Starting PostgreSQL, Kafka, S3Proxy and Elasticsearch"
"$LOCAL_DIR/up"
command -v jq >/dev/null || { [[ $EUID -eq 0 ]] && apt-get install -y -qq jq >&2; } || die "jq is needed"

step "Building Lockstep"
(cd "$REPO_DIR" && ./mvnw -q -B install -DskipTests)

step "Creating the sample application database 'shop'"
app_psql -d postgres -c "DROP DATABASE IF EXISTS shop WITH (FORCE)" -c "CREATE DATABASE shop"
app_psql -d shop -f "$LOCAL_DIR/sample-app.sql"
app_psql -d shop -At -c "SELECT 'customers ' || count(*) FROM customers UNION ALL SELECT 'products ' || count(*) FROM products
  UNION ALL SELECT 'orders ' || count(*) FROM orders UNION ALL SELECT 'order_items ' || count(*) FROM order_items"

step "Starting the coordinator and a postgres-agent"
start_app coordinator-service "${LOCKSTEP_COORDINATOR_PORT:-8080}"
start_app postgres-agent 8081 QUARKUS_PROFILE=local LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s
wait_for "store 'app' announced" 60 bash -c "curl -fs '$API/stores' | jq -e '.[] | select(.id == \"app\" and .live)'" \
  || die "the postgres-agent did not announce its store; see $APPS_DIR/postgres-agent/postgres-agent.log"
curl -fs "$API/stores" | jq -c '.[]'

step "Creating the plan 'shop-nightly'"
curl -fsS -X PUT "$API/plans/shop-nightly" -H 'Content-Type: application/json' \
  -d '{"stores": ["app"], "schedule": "0 4 * * *", "retention": {"keepDaily": 14}, "verify": "checksum"}' | jq .

step "Starting a backup"
run="$(curl -fsS -X POST "$API/plans/shop-nightly/backups" -H 'Content-Type: application/json' -d '{"label": "demo"}')"
run_id="$(jq -r .id <<<"$run")"
echo "run $run_id: $(jq -r .state <<<"$run")"

step "Following the run"
last=""
for _ in $(seq 1 600); do
  run="$(curl -fsS "$API/runs/$run_id")"
  state="$(jq -r .state <<<"$run")"
  line="$state $(jq -r '[.steps[] | "\(.action)/\(.database):\(.state)"] | join(" ")' <<<"$run")"
  [[ "$line" != "$last" ]] && echo "$line" && last="$line"
  case "$state" in CONSISTENT | FAILED | CANCELLED) break ;; esac
  sleep 0.5
done

step "The run"
jq '{id, plan, state, consistencyPoint, bytes, durationMillis, error,
     steps: [.steps[] | {action, store, database, state, bytes, sha256, artifact,
                         snapshotTime: .evidence.snapshotTime, lsn: .evidence.lsn, tocEntries: .evidence.tocEntries}]}' <<<"$run"
[[ "$state" == CONSISTENT ]] || die "the run ended $state"

artifact="$(jq -r '.steps[] | select(.action == "BACKUP") | .artifact' <<<"$run" | head -1)"
sha="$(jq -r '.steps[] | select(.action == "BACKUP") | .sha256' <<<"$run" | head -1)"

step "Restoring it by hand with pg_restore"
dump="$RUN/demo/shop.dump"
mkdir -p "$RUN/demo"
# The S3Proxy credential is a local-only default; curl reads it from stdin, not from its command line.
printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" | curl -fsS -K - --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -o "$dump" "http://127.0.0.1:$S3_PORT/lockstep-backups/$artifact"
echo "$sha  $dump" | sha256sum -c -
app_psql -d postgres -c "DROP DATABASE IF EXISTS shop_restored WITH (FORCE)" -c "CREATE DATABASE shop_restored"
pg_restore -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -d shop_restored --single-transaction --exit-on-error "$dump"
for t in customers products orders order_items; do
  a="$(app_psql -d shop -At -c "SELECT count(*) FROM $t")"
  b="$(app_psql -d shop_restored -At -c "SELECT count(*) FROM $t")"
  printf '%-12s original %7s   restored %7s   %s\n' "$t" "$a" "$b" "$([[ "$a" == "$b" ]] && echo same || echo DIFFERENT)"
done

cat <<TXT

Done. The run is CONSISTENT: $API/runs/$run_id
To restore any run by hand:
  1. fetch the artifact s3://lockstep-backups/$artifact (for example with the aws CLI and --endpoint-url http://127.0.0.1:$S3_PORT)
  2. createdb <target>; pg_restore -d <target> --single-transaction --exit-on-error <file>.dump
The coordinator and agent keep running (logs in $APPS_DIR). Stop everything with deploy/local/down.
TXT
