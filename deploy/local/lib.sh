# shellcheck shell=bash disable=SC2034
# (SC2034: the settings below are used by the scripts that source this file, which shellcheck checks separately.)
# Shared settings and helpers for deploy/local/{up,down,status}. Sourced, not executed.
# Everything lives under LOCKSTEP_HOME: downloads in dist/, state in run/. The default is ~/.cache/lockstep,
# or /var/lib/lockstep for root, because Elasticsearch then runs as a system user that cannot enter /root.
set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$LOCAL_DIR/../.." && pwd)"
if [[ $EUID -eq 0 ]]; then
  LOCKSTEP_HOME="${LOCKSTEP_HOME:-/var/lib/lockstep}"
else
  LOCKSTEP_HOME="${LOCKSTEP_HOME:-$HOME/.cache/lockstep}"
fi
DIST="$LOCKSTEP_HOME/dist"
RUN="$LOCKSTEP_HOME/run"
MVN="$REPO_DIR/mvnw"

KAFKA_VERSION=4.1.1
S3PROXY_VERSION=4.1.0
ES_VERSION=8.19.21

KAFKA_PORT="${LOCKSTEP_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LOCKSTEP_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SCRAM_PORT="${LOCKSTEP_KAFKA_SCRAM_PORT:-9094}"
KAFKA_SCRAM_CONTROLLER_PORT="${LOCKSTEP_KAFKA_SCRAM_CONTROLLER_PORT:-9095}"
# One SCRAM user per service on the SCRAM broker; their passwords are in $RUN/kafka-scram/secrets/<user>.
KAFKA_SCRAM_USERS="coordinator postgres-agent objectstore-agent search-agent notifier"
S3_PORT="${LOCKSTEP_S3_PORT:-9000}"
ES_PORT="${LOCKSTEP_ES_PORT:-9200}"
PG_PORT="${LOCKSTEP_PG_PORT:-5432}"

# Local-only S3Proxy identity. The services read the same defaults from their %dev/%test profiles.
S3_ACCESS_KEY="${LOCKSTEP_S3_ACCESS_KEY:-lockstep}"
S3_SECRET_KEY="${LOCKSTEP_S3_SECRET_KEY:-lockstep-local-secret}"

ES_USER="${LOCKSTEP_ES_USER:-lockstep-es}"

log() { printf '[lockstep] %s\n' "$*" >&2; }
die() { printf '[lockstep] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for NAME SECONDS CMD... : polls CMD every half second until it succeeds or the time runs out.
wait_for() {
  local name="$1" secs="$2"; shift 2
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
  log "$name is ready"
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

es_healthy() {
  curl -fs "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" | grep -q '"status":"\(green\|yellow\)"'
}

pg_ready() { pg_isready -h 127.0.0.1 -p "$PG_PORT" -q; }

# ---- Lockstep's own services, run from their packaged jars (demo) ----
APPS_DIR="$RUN/apps"

# start_app NAME PORT [ENV=VALUE ...] : starts <module>/target/quarkus-app/quarkus-run.jar in the background.
# LOCKSTEP_JAVA_OPTS sets its JVM options (default -Xmx256m).
start_app() {
  local name="$1" port="$2"; shift 2
  local jar="$REPO_DIR/$name/target/quarkus-app/quarkus-run.jar" dir="$APPS_DIR/$name"
  [[ -f "$jar" ]] || die "$jar is missing; build first: ./mvnw -q -B install -DskipTests"
  mkdir -p "$dir"
  if pid_alive "$dir/pid"; then log "$name already runs (pid $(cat "$dir/pid"))"; return; fi
  log "starting $name on 127.0.0.1:$port"
  # A simple command in the background, so $! is the JVM itself (env, setsid and nohup exec in turn).
  # shellcheck disable=SC2086 # LOCKSTEP_JAVA_OPTS holds several options
  (
    cd "$dir"
    env "$@" QUARKUS_HTTP_PORT="$port" setsid nohup java ${LOCKSTEP_JAVA_OPTS:--Xmx256m} -jar "$jar" \
      >"$dir/$name.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
  )
  wait_for "$name" 90 curl -fs "http://127.0.0.1:$port/q/health/ready" \
    || die "$name did not become ready, see $dir/$name.log"
}

# refuse_running_apps : a benchmark must not start over services another run started (a demo, another benchmark)
# in $APPS_DIR, nor stop them.
refuse_running_apps() {
  local pid_file
  for pid_file in "$APPS_DIR"/*/pid; do
    if pid_alive "$pid_file"; then
      die "$(basename "$(dirname "$pid_file")") already runs from $APPS_DIR; stop it first (deploy/local/down apps)"
    fi
  done
}

# forget_agent API AUTH_HEADER AGENT_ID : an agent a benchmark started claimed stores in the shared local catalog (the
# local profile's own stores among them); forgetting it lets the demo's agents claim them again.
forget_agent() {
  curl -fsS -o /dev/null -X DELETE -H "$2" "$1/agents/$3" 2>/dev/null || true
}

stop_app() { # stop_app NAME: stops one service from $APPS_DIR that this script started
  local pid_file="$APPS_DIR/$1/pid" pid
  pid_alive "$pid_file" || return 0
  pid="$(cat "$pid_file")"
  kill -- "-$pid" 2>/dev/null || kill "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  rm -f "$pid_file"
}

stop_apps() {
  local d
  for d in "$APPS_DIR"/*/; do
    [[ -f "$d/pid" ]] || continue
    if pid_alive "$d/pid"; then
      local pid; pid="$(cat "$d/pid")"
      log "stopping $(basename "$d") (pid $pid)"
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    rm -f "$d/pid"
  done
}

# ---- Client-side encryption of the backup repository (demo) ----
# The key-encryption keyset the demo's services share: a Tink JSON keyset in a 0600 file. Losing it loses every
# encrypted backup; keep a copy somewhere else than the repository.
KEYSET_FILE="${LOCKSTEP_KEYSET_FILE:-$RUN/repository-keyset.json}"

# repository_cli ARGS... : io.lockstep.repository.cli.RepositoryCli with a packaged agent's classpath.
repository_cli() {
  local lib="$REPO_DIR/postgres-agent/target/quarkus-app/lib/main"
  [[ -d "$lib" ]] || die "$lib is missing; build first: ./mvnw -q -B install -DskipTests"
  java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "$lib/*:$lib/../boot/*" io.lockstep.repository.cli.RepositoryCli "$@"
}

# Each agent's event signing key (32 random bytes, base64, 0600), in a directory the coordinator reads as its
# lockstep.coordinator.agent-keys-dir: one file per agent id. Made once, kept across runs.
AGENT_KEYS_DIR="$RUN/agent-keys"

ensure_agent_keys() { # ensure_agent_keys AGENT_ID...
  local id
  mkdir -p "$AGENT_KEYS_DIR"
  chmod 700 "$AGENT_KEYS_DIR"
  for id in "$@"; do
    [[ -f "$AGENT_KEYS_DIR/$id" ]] && continue
    log "creating the event signing key of agent $id in $AGENT_KEYS_DIR (mode 0600)"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$AGENT_KEYS_DIR/$id")
  done
}

ensure_keyset() {
  if [[ -f "$KEYSET_FILE" ]]; then return; fi
  mkdir -p "$(dirname "$KEYSET_FILE")"
  log "creating the repository's key-encryption keyset $KEYSET_FILE (mode 0600)"
  repository_cli keyset-new "$KEYSET_FILE"
}
