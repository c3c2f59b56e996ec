#!/usr/bin/env bash
# Shared by the benchmarks: the local services' helpers (deploy/local/lib.sh), a clock and a median.
# shellcheck source=../deploy/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/lib.sh"

now_ms() { date +%s%3N; }

# The median of the numbers on stdin, one a line (the mean of the middle two, rounded down, for an even count).
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
