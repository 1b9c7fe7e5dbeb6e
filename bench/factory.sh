#!/usr/bin/env bash
# The whole Software Factory demo (examples/software-factory/demo.sh: import, build with build.sh, boot,
# ports, dashboard, ssh, exec, logs, commit, stop/start, run the commit, push, pull into a fresh store and
# boot, images, ps, rm, rmi) timed with skiff as podman+buildah and with the real podman+buildah, each in
# its own work directory. Prints each step's time, the whole run's, the ratio skiff/real (target: at
# most 0.7) and the image sizes side by side (target: skiff's no larger).
# Usage: bench/factory.sh [ROUNDS]   (SKIFF_BIN=path picks the skiff binary; KEEP_LOGS=1 keeps the logs)
# With ROUNDS > 1 the median whole-run time of each tool is compared (3 rounds take about 10 minutes).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-1}
SKIFF=$(readlink -f "${SKIFF_BIN:-$here/../out/skiff}")
[ -x "$SKIFF" ] || { echo "factory.sh: no skiff binary at $SKIFF (scripts/build.sh)" >&2; exit 1; }
bash "$here/../scripts/fixtures.sh" --factory >/dev/null || exit 1
logs=$(mktemp -d /var/tmp/skiff-factory-bench.XXXXXX)
cleanup() { if [ -n "${KEEP_LOGS:-}" ]; then echo "logs in $logs"; else rm -rf "$logs"; fi; }
trap cleanup EXIT

now_ms() { date +%s%3N; }
# run_demo TOOL ROUND: demo.sh (which removes its stores itself) with SF_WITH=skiff or path; the whole
# run's wall time in ms goes to $logs/TOOL.ROUND.ms.
run_demo() {
  local tool=$1 round=$2 with t0 rc
  with=$([ "$tool" = skiff ] && echo skiff || echo path)
  t0=$(now_ms)
  SF_WITH=$with SKIFF_BIN=$SKIFF bash "$here/../examples/software-factory/demo.sh" >"$logs/$tool.$round.log" 2>&1
  rc=$?
  echo $(( $(now_ms) - t0 )) >"$logs/$tool.$round.ms"
  [ $rc = 0 ] || echo "$tool round $round: $(grep -a '^FAILED:' "$logs/$tool.$round.log" | head -1)" >&2
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# The tools take turns (odd rounds real first, even rounds skiff first) and each run starts after a sync,
# so neither pays for the other's writeback.
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="real skiff"; else order="skiff real"; fi
  for tool in $order; do sync; run_demo "$tool" "$r"; done
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
whole() { cat "$logs/$1".*.ms | median; }
# The round whose whole time is the median one, for the per-step table and the sizes.
median_round() { local m; m=$(whole "$1"); for f in "$logs/$1".*.ms; do [ "$(cat "$f")" = "$m" ] && { basename "$f" .ms; return; }; done; basename "$(ls "$logs/$1".*.ms | head -1)" .ms; }
rs=$(median_round skiff); rr=$(median_round real)
step_s() { awk -v s="$2" '$1 == "ok:" && $2 == s { gsub(/[()s]/, "", $3); print $3 }' "$logs/$1.log"; }
value() { awk -v k="$2" 'index($0, k) == 1 { print $(NF - 1); exit }' "$logs/$1.log"; }

printf '%-28s %14s %16s\n' "" "skiff" "buildah+podman"
for s in $(awk '$1 == "ok:" { print $2 }' "$logs/$rr.log"); do
  printf '%-28s %14s %16s\n' "  $s (s)" "$(step_s "$rs" "$s")" "$(step_s "$rr" "$s")"
done
sk=$(whole skiff); re=$(whole real)
printf '%-28s %14s %16s\n' "whole demo.sh (ms, median)" "$sk" "$re"
printf '%-28s %14s %16s\n' "passed all steps" "$(grep -qa '^demo: all steps passed' "$logs/$rs.log" && echo yes || echo no)" \
  "$(grep -qa '^demo: all steps passed' "$logs/$rr.log" && echo yes || echo no)"
for k in "size of sf-image:" "size of my-sf-image:" "store on disk:"; do
  printf '%-28s %14s %16s\n' "${k%:} (bytes)" "$(value "$rs" "$k")" "$(value "$rr" "$k")"
done
awk -v s="$sk" -v r="$re" -v n="$rounds" 'BEGIN { printf "ratio skiff/real, whole demo (%d round(s)): %.2f (target <= 0.70)\n", n, s / r }'
