#!/usr/bin/env bash
# The Lockstep demo: real services, a sample application whose state spans three stores, one consistent
# backup of all three while the application keeps writing.
#
#   deploy/local/demo.sh
#
# 1. starts PostgreSQL, Kafka, S3Proxy and Elasticsearch on loopback (deploy/local/up) and builds Lockstep;
# 2. creates the sample shop: the database "shop" (about 375k rows), product images in the bucket
#    "shop-media" that rows of product_images point at, and the Elasticsearch index "products";
# 3. starts the coordinator, a postgres-agent, an objectstore-agent and a search-agent;
# 4. starts a background writer that keeps adding images the way the application does (object first, then
#    the row, then the index entry; its indexer honours Lockstep's pause hook);
# 5. creates a plan over the three stores and starts a backup through the REST API, and follows the run;
# 6. prints the run with its ordering evidence and the reference check (dangling 0, orphans N);
# 7. proves the backup restorable with a restore drill (scratch database, prefix and indices, compared with what
#    the backup recorded, then dropped) and shows the time it took to restore;
# 8. restores the three stores through Lockstep into new targets (database shop_restored, bucket
#    shop-media-restored, indices restored-*) after a dry run, and compares them with the originals;
# 9. shows that the stored dump is encrypted, decrypts it with the local keyset (deploy/local/decrypt) and
#    restores it by hand with pg_restore, as an operator could without Lockstep.
# Every artifact is encrypted client-side with the keyset in run/repository-keyset.json (created on first use).
# The services keep running afterwards; deploy/local/down stops everything.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APP_PG_PORT="${LOCKSTEP_APP_PG_PORT:-5433}"
API="http://127.0.0.1:${LOCKSTEP_COORDINATOR_PORT:-8080}/api/v1"
# The demo's admin API token. Local use only: the coordinator's %local profile holds just its SHA-256
# (lockstep.auth.tokens.demo-admin). Make your own with deploy/local/token NAME ROLE.
LOCKSTEP_TOKEN="${LOCKSTEP_TOKEN:-lst_demo_admin_local_only}"
AUTH="Authorization: Bearer $LOCKSTEP_TOKEN"
# The lockstep CLI (deploy/local/lockstep) reads the coordinator and the token from the environment, never from its
# command line.
export LOCKSTEP_URL="${API%/api/v1}" LOCKSTEP_TOKEN
lockstep() { "$REPO_DIR/deploy/local/lockstep" "$@"; }
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
ensure_keyset
ensure_agent_keys postgres-agent objectstore-agent search-agent

step "Creating the sample application database 'shop'"
app_psql -d postgres -c "DROP DATABASE IF EXISTS shop WITH (FORCE)" -c "CREATE DATABASE shop"
app_psql -d shop -f "$LOCAL_DIR/sample-app.sql" -f "$LOCAL_DIR/sample-media.sql"
app_psql -d shop -At -c "SELECT 'customers ' || count(*) FROM customers UNION ALL SELECT 'products ' || count(*) FROM products
  UNION ALL SELECT 'orders ' || count(*) FROM orders UNION ALL SELECT 'order_items ' || count(*) FROM order_items"

step "Creating the bucket 'shop-media' with product images and the index 'products'"
s3() { # s3 METHOD PATH [curl args...]: a signed request to S3Proxy; the local credential goes through stdin
  local method="$1" path="$2"; shift 2
  printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" | curl -fsS -K - --aws-sigv4 "aws:amz:us-east-1:s3" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X "$method" "http://127.0.0.1:$S3_PORT/$path" "$@"
}
es() { curl -fsS -H 'Content-Type: application/json' "$@"; }
s3 PUT shop-media >/dev/null 2>&1 || true
add_image() { # add_image N: object first, then the row that points at it, then the index entry
  local n="$1" product=$((1 + $1 % 5000)) key="images/product-$((1 + $1 % 5000))-$1.bin"
  head -c $((512 + n % 1536)) /dev/urandom | s3 PUT "shop-media/$key" --data-binary @- >/dev/null
  app_psql -d shop -c "INSERT INTO product_images (key, product_id, bytes) VALUES ('$key', $product, $((512 + n % 1536)))"
  echo "$key $product"
}
export -f add_image s3 app_psql
export S3_ACCESS_KEY S3_SECRET_KEY S3_PORT APP_PG_PORT PGPASSWORD
seq 1 600 | xargs -P 8 -I{} bash -c 'add_image {}' >/dev/null
curl -s -X DELETE "http://127.0.0.1:$ES_PORT/products" >/dev/null
es -X PUT "http://127.0.0.1:$ES_PORT/products" -d '{"settings": {"number_of_shards": 1, "number_of_replicas": 0}}' >/dev/null
app_psql -d shop -At -c "SELECT json_build_object('index', json_build_object('_id', 'p' || id))::text || chr(10) ||
    json_build_object('sku', sku, 'title', title, 'images', (SELECT count(*) FROM product_images i WHERE i.product_id = p.id))::text
  FROM products p" | es -X POST "http://127.0.0.1:$ES_PORT/products/_bulk?refresh=true" --data-binary @- >/dev/null
echo "objects: $(app_psql -d shop -At -c 'SELECT count(*) FROM product_images') images; index: $(es "http://127.0.0.1:$ES_PORT/products/_count" | jq .count) documents"

step "Starting the coordinator and the agents"
SNAPSHOTS="$RUN/elasticsearch/snapshots/lockstep"
PAUSED="$RUN/demo/indexer.paused"
mkdir -p "$RUN/demo"
rm -f "$PAUSED"
# Encryption is on in the local profile; every service reads the same key-encryption keyset file.
export LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE="$KEYSET_FILE"
# Agents sign their events, each with its own key; the coordinator holds them all and refuses unsigned events.
start_app coordinator-service "${LOCKSTEP_COORDINATOR_PORT:-8080}" QUARKUS_PROFILE=local \
  LOCKSTEP_COORDINATOR_AGENT_KEYS_DIR="$AGENT_KEYS_DIR" LOCKSTEP_COORDINATOR_REQUIRE_SIGNED_EVENTS=true
start_app postgres-agent 8081 QUARKUS_PROFILE=local LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s \
  LOCKSTEP_AGENT_SIGNING_KEY_FILE="$AGENT_KEYS_DIR/postgres-agent"
start_app objectstore-agent 8082 QUARKUS_PROFILE=local LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s \
  LOCKSTEP_AGENT_SIGNING_KEY_FILE="$AGENT_KEYS_DIR/objectstore-agent"
start_app search-agent 8083 QUARKUS_PROFILE=local LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s \
  LOCKSTEP_AGENT_SIGNING_KEY_FILE="$AGENT_KEYS_DIR/search-agent" \
  LOCKSTEP_SEARCH_STORES_SEARCH_REPOSITORY_LOCATION="$SNAPSHOTS" \
  LOCKSTEP_SEARCH_STORES_SEARCH_QUIESCE_COMMAND="touch $PAUSED" LOCKSTEP_SEARCH_STORES_SEARCH_RESUME_COMMAND="rm -f $PAUSED"
for store in app media search; do
  wait_for "store '$store' announced" 60 bash -c "curl -fs -H '$AUTH' '$API/stores' | jq -e '.[] | select(.id == \"$store\" and .live)'" \
    || die "store $store was not announced; see the agent logs in $APPS_DIR"
done
lockstep status

step "Starting the application's background writer (object, then row, then index entry)"
(
  n=1000
  while :; do
    n=$((n + 1))
    read -r key product < <(add_image "$n")
    until [[ ! -e "$PAUSED" ]]; do sleep 0.2; done # the indexer honours the pause hook
    es -X PUT "http://127.0.0.1:$ES_PORT/products/_doc/$(tr / _ <<<"$key")" -d "{\"image\": \"$key\", \"product\": $product}" >/dev/null || true
  done
) &
writer=$!
trap 'kill $writer 2>/dev/null || true' EXIT
sleep 2

step "Creating the plan 'shop-nightly' over the three stores"
plan_file="$(mktemp --suffix=.json)"
cat >"$plan_file" <<'JSON'
{
  "stores": ["app", "media", "search"],
  "schedule": "0 4 * * *",
  "retention": {"keepDaily": 14},
  "references": [{"store": "app", "database": "shop", "query": "select key from product_images", "objects": "media"}]
}
JSON
lockstep plans apply --name shop-nightly -f "$plan_file"
rm -f "$plan_file"

follow() { # follow RUN_ID: prints each change of the run's steps until it ends; leaves the run in $run, its state in $state
  local id="$1" last=""
  for _ in $(seq 1 1200); do
    run="$(curl -fsS -H "$AUTH" "$API/runs/$id")"
    state="$(jq -r .state <<<"$run")"
    line="$state $(jq -r '[.steps[] | "\(.action)/\(.database // .store):\(.state)"] | join(" ")' <<<"$run")"
    [[ "$line" != "$last" ]] && echo "$line" && last="$line"
    case "$state" in CONSISTENT | FAILED | CANCELLED | SUCCEEDED) return ;; esac
    sleep 0.5
  done
}

step "Backing up, watched: lockstep backup shop-nightly --label demo --wait"
lockstep backup shop-nightly --label demo --wait || true # its exit code is the run's; judged below
run_id="$(lockstep runs list --plan shop-nightly --type backup --limit 1 -o json | jq -r '.[0].id')"
run="$(lockstep runs show "$run_id" -o json)"
state="$(jq -r .state <<<"$run")"

kill $writer 2>/dev/null || true
step "The run"
jq '{id, plan, state, consistencyPoint, bytes, durationMillis, error, evidence,
     artifacts: [.steps[] | select(.action == "BACKUP") | {store, database, bytes, sha256, artifact}]}' <<<"$run"
[[ "$state" == CONSISTENT ]] || die "the run ended $state"
jq -r '.evidence.references[] | "reference check: \(.references) keys, dangling \(.dangling), orphans \(.orphans)"' <<<"$run"

backup_run="$run"

step "Proving it restorable: a restore drill into scratch targets"
run="$(lockstep verify "$run_id" --drill --wait -o json)" || die "the drill ended $(jq -r .state <<<"$run"): $(jq -r .error <<<"$run")"
lockstep runs show "$run_id" -o json | jq -c '{verified, verification: (.verification | {passed, rtoMillis, tables, rows, objects, documents, references})}'

step "Restoring through Lockstep into new targets: first a dry run, then the restore"
api() { # api METHOD PATH [JSON]: prints the answer; a problem detail (4xx/5xx) is shown and ends the demo
  local out status data=()
  [[ $# -ge 3 ]] && data=(-d "$3")
  out="$(curl -sS -X "$1" -H "$AUTH" -H 'Content-Type: application/json' "${data[@]}" -w '\n%{http_code}' "$API$2")"
  status="${out##*$'\n'}"
  out="${out%$'\n'*}"
  [[ "$status" == 2* ]] || die "$1 $2 answered $status: $out"
  printf '%s' "$out"
}
es -X DELETE "http://127.0.0.1:$ES_PORT/restored-products" >/dev/null 2>&1 || true
app_psql -d postgres -c "DROP DATABASE IF EXISTS shop_restored WITH (FORCE)"
s3 PUT shop-media-restored >/dev/null 2>&1 || true
# Each demo run restores the bucket under a prefix of its own: a restore into new targets never overwrites.
targets="{\"targets\": {\"app\": {\"databases\": {\"shop\": \"shop_restored\"}},
  \"media\": {\"bucket\": \"shop-media-restored\", \"prefix\": \"$run_id/\"},
  \"search\": {\"renamePattern\": \"(.+)\", \"renameReplacement\": \"restored-\$1\"}}}"
api POST "/runs/$run_id/restore" "$(jq '. + {dryRun: true}' <<<"$targets")" \
  | jq '.result | {steps, bytesToTransfer, objectsToCopy, databasesToReplace, indicesToReplace}'
restore_id="$(api POST "/runs/$run_id/restore" "$targets" | jq -r .id)"
follow "$restore_id"
[[ "$state" == SUCCEEDED ]] || die "the restore ended $state: $(jq -r .error <<<"$run")"
for t in customers products orders order_items; do
  a="$(app_psql -d shop -At -c "SELECT count(*) FROM $t")"
  b="$(app_psql -d shop_restored -At -c "SELECT count(*) FROM $t")"
  printf '%-14s original %7s   restored %7s   %s\n' "$t" "$a" "$b" "$([[ "$a" == "$b" ]] && echo same || echo DIFFERENT)"
done
echo "index restored-products: $(es "http://127.0.0.1:$ES_PORT/restored-products/_count" | jq .count) documents, as recorded at the snapshot: $(jq -r '.steps[] | select(.action == "BACKUP" and .kind == "SEARCH") | .evidence.documentCounts' <<<"$backup_run")"
run="$backup_run"

artifact="$(jq -r '.steps[] | select(.action == "BACKUP" and .kind == "POSTGRES") | .artifact' <<<"$run" | head -1)"
sha="$(jq -r '.steps[] | select(.action == "BACKUP" and .kind == "POSTGRES") | .sha256' <<<"$run" | head -1)"

step "Restoring it by hand: fetch, decrypt and decompress, pg_restore"
dump="$RUN/demo/shop.dump"
mkdir -p "$RUN/demo"
# The S3Proxy credential is a local-only default; curl reads it from stdin, not from its command line.
printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" | curl -fsS -K - --aws-sigv4 "aws:amz:us-east-1:s3" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
  -o "$dump.stored" "http://127.0.0.1:$S3_PORT/lockstep-backups/$artifact"
echo "$sha  $dump.stored" | sha256sum -c - # the recorded SHA-256 covers the stored (encrypted) bytes
echo "the stored bytes start with $(head -c 6 "$dump.stored" | od -An -c | tr -s ' '), not PGDMP;" \
  "pg_restore --list on them: $(pg_restore --list "$dump.stored" >/dev/null 2>&1 && echo parses || echo refuses)"
rm -f "$dump.stored"
# Decrypt with the local keyset and decompress (checks the stored SHA-256 too); a failure leaves no usable file.
if ! "$LOCAL_DIR/decrypt" --sha256 "$sha" "$artifact" >"$dump.part"; then
  rm -f "$dump.part"
  die "could not decrypt $artifact"
fi
mv "$dump.part" "$dump"
echo "decrypted: $(head -c 5 "$dump") archive, $(stat -c %s "$dump") bytes"
app_psql -d postgres -c "DROP DATABASE IF EXISTS shop_by_hand WITH (FORCE)" -c "CREATE DATABASE shop_by_hand"
pg_restore -h 127.0.0.1 -p "$APP_PG_PORT" -U lockstep -d shop_by_hand --single-transaction --exit-on-error "$dump"
for t in customers products orders order_items; do
  a="$(app_psql -d shop -At -c "SELECT count(*) FROM $t")"
  b="$(app_psql -d shop_by_hand -At -c "SELECT count(*) FROM $t")"
  printf '%-14s original %7s   restored %7s   %s\n' "$t" "$a" "$b" "$([[ "$a" == "$b" ]] && echo same || echo DIFFERENT)"
done
point="$(jq -r .consistencyPoint <<<"$run")"
now="$(app_psql -d shop -At -c "SELECT count(*) FROM product_images")"
b="$(app_psql -d shop_by_hand -At -c "SELECT count(*) FROM product_images")"
printf '%-14s original %7s now, restored %7s: the rows of the consistency point %s (the writer went on)\n' \
  product_images "$now" "$b" "$point"

cat <<TXT

Done. The run is CONSISTENT and verified by a drill: $API/runs/$run_id
Look at it with:   deploy/local/lockstep runs show $run_id     (LOCKSTEP_URL=$LOCKSTEP_URL, LOCKSTEP_TOKEN as above)
Restore it in place (admin) with:  deploy/local/lockstep restore $run_id --dry-run, then without --dry-run
To restore any run by hand:
  1. fetch, decrypt and decompress the artifact: deploy/local/decrypt --sha256 <step sha256> $artifact > <file>.dump
     (artifacts are encrypted with the keyset in $KEYSET_FILE; keep a copy of it apart from the backups; with
     --raw the dump stays zstd-compressed, and zstd -d reads it)
  2. createdb <target>; pg_restore -d <target> --single-transaction --exit-on-error <file>.dump
The coordinator and the agents keep running (logs in $APPS_DIR). Stop everything with deploy/local/down.
TXT
