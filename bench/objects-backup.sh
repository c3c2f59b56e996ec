#!/usr/bin/env bash
# Benchmark: a Lockstep object-store backup (API call to CONSISTENT: listing, copy into content-addressed blobs
# with SHA-256, manifest, verification) against `aws s3 sync` and `rclone sync` on the same bucket, for the
# first copy, for an incremental one after 1% of the objects changed, and for one where nothing changed. Prints
# each time, the medians over --runs repetitions of the three rounds, and the ratios of the medians.
#
#   bench/objects-backup.sh [--objects 20000] [--size 16384] [--runs 3]
#
# Each repetition starts from nothing: empty destination buckets for the baselines, and for Lockstep a store of its
# own (a new store id, so its first copy has no base and no blobs or packs to reuse), served by one agent that runs
# for the whole script, as an agent does. Lockstep's time is followed on the run's event stream, not polled.
# Everything runs against the local S3Proxy. The baselines copy bucket to bucket (server-side); Lockstep also
# hashes every byte and writes a manifest. Machines here are shared and noisy: repeat and compare ratios.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

objects=20000
size=16384
runs=3
while (($#)); do
  case "$1" in
    --objects) objects="$2"; shift 2 ;;
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    *) die "usage: bench/objects-backup.sh [--objects N] [--size BYTES] [--runs N]" ;;
  esac
done

API="http://127.0.0.1:18080/api/v1"
# The coordinator runs with the demo's local profile; its demo admin token (local only) authorizes these calls.
AUTH="Authorization: Bearer ${LOCKSTEP_TOKEN:-lst_demo_admin_local_only}"
for tool in aws rclone; do
  if ! command -v "$tool" >/dev/null; then
    [[ $EUID -eq 0 ]] || die "$tool is needed (apt-get install awscli rclone)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq awscli rclone >&2
  fi
done
export AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" AWS_DEFAULT_REGION=us-east-1
export RCLONE_CONFIG_LOCAL_TYPE=s3 RCLONE_CONFIG_LOCAL_PROVIDER=Other RCLONE_CONFIG_LOCAL_ENDPOINT="http://127.0.0.1:$S3_PORT"
export RCLONE_CONFIG_LOCAL_ACCESS_KEY_ID="$S3_ACCESS_KEY" RCLONE_CONFIG_LOCAL_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
s3cli() { aws --endpoint-url "http://127.0.0.1:$S3_PORT" "$@"; }
rc() { env -u AWS_CA_BUNDLE rclone "$@"; } # rclone 1.60 fails to load a CA bundle named by AWS_CA_BUNDLE

"$LOCAL_DIR/up" catalog-pg kafka s3proxy
(cd "$REPO_DIR" && ./mvnw -q -B install -DskipTests)
# The local profile encrypts every artifact: the services need the key-encryption keyset (created on first use).
ensure_keyset
export LOCKSTEP_REPOSITORY_ENCRYPTION_KEYSET_FILE="$KEYSET_FILE"

src="bench-objects-$objects"
work="$RUN/bench-objects"
if ! s3cli s3api head-bucket --bucket "$src" >/dev/null 2>&1; then
  log "creating $objects objects of $size bytes in bucket $src"
  rm -rf "$work" && mkdir -p "$work/data"
  head -c $((objects * size)) /dev/urandom | (cd "$work/data" && split -b "$size" -a 6 - obj-)
  s3cli s3 mb "s3://$src" >/dev/null
  s3cli s3 sync "$work/data" "s3://$src/" --only-show-errors
  rm -rf "$work"
fi
empty_copies() {
  for b in bench-copy-aws bench-copy-rclone; do
    s3cli s3 rb "s3://$b" --force >/dev/null 2>&1 || true
    s3cli s3 mb "s3://$b" >/dev/null
  done
}

# The services in $APPS_DIR may be another run's (a demo, another benchmark): refuse to start over them, and stop
# only what this script started (a failed run must not leave them behind either).
refuse_running_apps
cleanup() {
  stop_app objectstore-agent # first, so no heartbeat of it announces it again
  forget_agent "$API" "$AUTH" bench-objects-agent
  stop_app coordinator-service
}
trap cleanup EXIT
start_app coordinator-service 18080 QUARKUS_PROFILE=local

# One agent for every repetition, as a long-running agent serves its stores: each repetition backs up a store of its
# own (benchobjects1, 2, ...), so its first copy has no base and no blobs or packs to reuse. The first repetition's
# first copy runs on a freshly started agent; later ones on a warm one.
start_agent() { # start_agent REPETITIONS
  local config=() rep env
  for rep in $(seq 1 "$1"); do
    env="LOCKSTEP_OBJECTSTORE_STORES_BENCHOBJECTS${rep}"
    config+=("${env}_ENDPOINT=http://127.0.0.1:$S3_PORT" "${env}_BUCKET=$src"
      "${env}_ACCESS_KEY_ID=$S3_ACCESS_KEY" "${env}_SECRET_ACCESS_KEY=$S3_SECRET_KEY")
  done
  start_app objectstore-agent 18082 QUARKUS_PROFILE=local LOCKSTEP_AGENT_ID=bench-objects-agent \
    LOCKSTEP_AGENT_HEARTBEAT_INTERVAL=2s LOCKSTEP_REPOSITORY_PREFIX="bench-$(date +%s)" "${config[@]}"
  for rep in $(seq 1 "$1"); do
    wait_for "store benchobjects$rep" 60 bash -c \
      "curl -fs -H '$AUTH' $API/stores | jq -e '.[] | select(.id == \"benchobjects$rep\" and .live)'"
    curl -fsS -H "$AUTH" -X PUT "$API/plans/bench-objects-$rep" -H 'Content-Type: application/json' \
      -d "{\"stores\": [\"benchobjects$rep\"]}" >/dev/null
  done
}

lockstep_backup() { # lockstep_backup PLAN
  local id state
  id="$(curl -fsS -H "$AUTH" -X POST "$API/plans/$1/backups" -H 'Content-Type: application/json' -d '{}' | jq -r .id)"
  state="$(follow_run "$API" "$AUTH" "$id")"
  [[ "$state" == CONSISTENT ]] || die "run $id ended $state: $(curl -fsS -H "$AUTH" "$API/runs/$id" | jq -r .error)"
  curl -fsS -H "$AUTH" "$API/runs/$id" | jq -c '[(.evidence.objectListings[0] | {objects, copied}),
    (.steps[] | select(.action == "VERIFY") | .evidence | {blobsChecked, blobsTrusted})]' >&2
}

change_one_percent() {
  log "changing 1% of the objects"
  rm -rf "$RUN/bench-objects-changed" && mkdir -p "$RUN/bench-objects-changed"
  s3cli s3 ls "s3://$src/" | awk 'NR % 100 == 1 {print $4}' | while read -r key; do
    head -c "$size" /dev/urandom >"$RUN/bench-objects-changed/$key"
  done
  s3cli s3 cp --recursive "$RUN/bench-objects-changed" "s3://$src/" --only-show-errors
  rm -rf "$RUN/bench-objects-changed"
}


declare -A t
start_agent "$runs"
for rep in $(seq 1 "$runs"); do
  empty_copies
  for round in first incremental unchanged; do
    [[ $round == incremental ]] && change_one_percent
    s=$(now_ms); s3cli s3 sync "s3://$src" "s3://bench-copy-aws" --only-show-errors; t[$round-aws]+=" $(($(now_ms) - s))"
    s=$(now_ms); rc sync "local:$src" "local:bench-copy-rclone" --transfers 8 --checkers 16
    t[$round-rclone]+=" $(($(now_ms) - s))"
    s=$(now_ms); lockstep_backup "bench-objects-$rep"; t[$round-lockstep]+=" $(($(now_ms) - s))"
    printf 'run %d %-12s aws s3 sync %7d ms | rclone sync %7d ms | lockstep API->CONSISTENT %7d ms\n' "$rep" "$round" \
      "${t[$round-aws]##* }" "${t[$round-rclone]##* }" "${t[$round-lockstep]##* }"
  done
done
for round in first incremental unchanged; do
  a=$(tr ' ' '\n' <<<"${t[$round-aws]}" | grep . | median)
  r=$(tr ' ' '\n' <<<"${t[$round-rclone]}" | grep . | median)
  l=$(tr ' ' '\n' <<<"${t[$round-lockstep]}" | grep . | median)
  awk -v l="$l" -v a="$a" -v r="$r" -v n="$round" -v k="$runs" 'BEGIN {printf "median of %d %-12s aws s3 sync %7d ms | rclone sync %7d ms | lockstep %7d ms | lockstep / aws s3 sync = %.2f, lockstep / rclone sync = %.2f\n", k, n, a, r, l, l / a, l / r}'
done
