#!/usr/bin/env bash
# Shared by the benchmarks: the local services' helpers (deploy/local/lib.sh), a clock and a median.
# shellcheck source=../deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"

now_ms() { date +%s%3N; }

# The median of the numbers on stdin, one a line (the mean of the middle two, rounded down, for an even count).
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# follow_run API AUTH_HEADER RUN: follows the run's event stream (the coordinator sends the run whenever it changed and
# ends the stream once the run ended) and prints its last state. One curl and one sed for the whole run: polling the
# API with curl and jq every 20-100 ms cost about 26 ms of CPU per poll, taken from the run being measured.
follow_run() {
  curl -fsSN -H "$2" -H 'Accept: text/event-stream' "$1/runs/$3/events" \
    | sed -nu 's/^data: *{[^{]*"state":"\([A-Z_]*\)".*/\1/p' | tail -n 1
}
