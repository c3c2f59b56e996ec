#!/usr/bin/env bash
# Runs shellcheck over every shell script the repository ships (deploy/, bench/, .ci/, build/); any finding fails.
# The build calls it at validate (./mvnw verify, parent pom); run it by hand the same way: build/shellcheck.sh
# Scripts are found by extension (.sh) or shebang (sh, bash); settings are in the repository's .shellcheckrc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! command -v shellcheck >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "shellcheck: installing the Debian package" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >&2
  else
    echo "shellcheck is not installed: apt-get install shellcheck (or run the build as root), or skip this" \
      "check with -Dshellcheck.skip=true" >&2
    exit 1
  fi
fi

scripts=()
while IFS= read -r -d '' file; do
  if [[ $file == *.sh ]] || head -n 1 "$file" | grep -Eq '^#!.*(/|env )(ba)?sh( |$)'; then
    scripts+=("$file")
  fi
done < <(find deploy bench .ci build -type f -print0 | sort -z)

if ((${#scripts[@]} == 0)); then
  echo "shellcheck: no scripts found under deploy/, bench/, .ci/, build/" >&2
  exit 1
fi
if ! shellcheck --external-sources "${scripts[@]}"; then
  echo "shellcheck: findings above (fix them; a '# shellcheck disable=SCxxxx' needs a comment saying why)" >&2
  exit 1
fi
echo "shellcheck: ${#scripts[@]} scripts clean"
