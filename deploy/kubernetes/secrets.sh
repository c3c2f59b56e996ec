#!/usr/bin/env bash
# Creates the secret files kustomization.yaml's secretGenerator reads, under deploy/kubernetes/secrets/ (0700,
# never committed). Existing files are kept. Fill in the real values before kubectl apply -k deploy/kubernetes.
#
#   deploy/kubernetes/secrets.sh
#
# repository-keyset.json is a new key-encryption keyset (needs a build: ./mvnw install -DskipTests); keep a copy
# apart from the backups. The other files are created empty and must be filled in: catalog-password,
# repository-access-key-id, repository-secret-access-key, app-db-password, media-access-key-id,
# media-secret-access-key (one value each, no trailing newline). Each agent's event signing key
# (<agent id>-signing-key: 32 random bytes, base64) is created with its value.
# shellcheck source=../local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../local/lib.sh"

SECRETS="$REPO_DIR/deploy/kubernetes/secrets"
mkdir -p "$SECRETS"
chmod 0700 "$SECRETS"
[[ -f "$SECRETS/repository-keyset.json" ]] || repository_cli keyset-new "$SECRETS/repository-keyset.json"
for name in catalog-password repository-access-key-id repository-secret-access-key app-db-password \
  media-access-key-id media-secret-access-key; do
  if [[ ! -f "$SECRETS/$name" ]]; then
    (umask 077 && : >"$SECRETS/$name")
    log "created $SECRETS/$name (empty): write its value"
  fi
done
for agent in postgres-agent objectstore-agent search-agent; do
  if [[ ! -f "$SECRETS/$agent-signing-key" ]]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$SECRETS/$agent-signing-key")
    log "created $SECRETS/$agent-signing-key (the event signing key of $agent)"
  fi
done
