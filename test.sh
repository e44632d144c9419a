#!/usr/bin/env bash
# Runs the whole test suite (unit and integration tests against real nats-server, the librdkafka
# mock cluster, the fake Kubernetes API server and real HTTP functions) and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
dotnet build Triggers.sln -c Release --no-restore
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Triggers.sln -c Release --no-build --blame-hang-timeout 5m "$@" 2>&1 | tee "$log" || status=$?
awk '/(Passed|Failed)! +- Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1));
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
