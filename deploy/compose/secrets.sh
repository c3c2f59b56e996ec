#!/usr/bin/env bash
# Creates the secret files docker-compose.yml mounts, once; existing files are kept.
#
#   deploy/compose/secrets.sh
#
#   secrets/repository-keyset.json   the repository's key-encryption keyset (README, "Encryption"); needs a build
#                                    (./mvnw install -DskipTests). Keep a copy apart from the backups.
#   secrets/app-db-password          the sample application database's password (random, no trailing newline)
#   secrets/agent-keys/<agent id>    each agent's event signing key (32 random bytes, base64); the coordinator
#                                    mounts the directory read-only
#
# The directory is 0700, so other users of this machine cannot reach the files; the files themselves are 0444
# because Docker Compose (without Swarm) bind-mounts them unchanged, and the containers read them as their own users
# (185 for Lockstep, 1000 for the search-agent, 999 for PostgreSQL). Lockstep accepts a signing key others may read
# only as a secret on a read-only mount, as the containers see these (README, "Signed agent events").
# shellcheck source=../local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

SECRETS="$REPO_DIR/deploy/compose/secrets"
mkdir -p "$SECRETS"
chmod 0700 "$SECRETS"

if [[ ! -f "$SECRETS/repository-keyset.json" ]]; then
  log "creating the key-encryption keyset $SECRETS/repository-keyset.json"
  repository_cli keyset-new "$SECRETS/repository-keyset.json"
fi
if [[ ! -f "$SECRETS/app-db-password" ]]; then
  log "creating the application database password $SECRETS/app-db-password"
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$SECRETS/app-db-password")
fi
chmod 0444 "$SECRETS/repository-keyset.json" "$SECRETS/app-db-password"
mkdir -p "$SECRETS/agent-keys"
for agent in postgres-agent objectstore-agent search-agent; do
  if [[ ! -f "$SECRETS/agent-keys/$agent" ]]; then
    log "creating the event signing key of $agent in $SECRETS/agent-keys/$agent"
    (umask 077 && head -c 32 /dev/urandom | base64 >"$SECRETS/agent-keys/$agent")
  fi
  chmod 0444 "$SECRETS/agent-keys/$agent"
done
chmod 0755 "$SECRETS/agent-keys"
