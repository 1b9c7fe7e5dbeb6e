#!/usr/bin/env bash
# Runs every test: unit tests of each project and integration tests against the published binary,
# real podman/skopeo/umoci and the locally made base images. Last line: "N passed, M failed[, K skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
export SKIFF_FIXTURES=${SKIFF_FIXTURES:-/var/cache/skiff-fixtures}
bash scripts/fixtures.sh --debian >/dev/null
bash scripts/fixtures.sh --factory >/dev/null
bash scripts/build.sh >/dev/null || { echo "build of skiff failed"; echo "0 passed, 1 failed"; exit 1; }
export SKIFF_BIN="$root/out/skiff"

results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"
dotnet build Skiff.slnx -c Debug -nologo -v quiet >"$results/build.log" 2>&1 \
  || { cat "$results/build.log" | grep -E "error" | head -20; echo "0 passed, 1 failed"; exit 1; }
dotnet test Skiff.slnx --no-build -c Debug --logger "trx" --results-directory "$results" -- RunConfiguration.TreatNoTestsAsError=false 2>&1 \
  | grep -vE "^\s*$" | grep -E "Failed |Skipped |error|Passed!|Failed!|\[FAIL\]|Assert|at Skiff" | head -400

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$line" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); exec=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${total:-0} - ${exec:-0}))
done
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
