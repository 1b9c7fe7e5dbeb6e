#!/usr/bin/env bash
# The whole Software Factory demo (examples/software-factory/demo.sh: import, build, boot, ports,
# dashboard, ssh, exec, logs, commit) timed with skiff's podman/buildah links and with the real
# podman + buildah, each on a fresh private store; prints the ratio skiff/real (target: at most 0.7)
# and the sizes of sf-image side by side (target: skiff's no larger).
# Usage: bench/factory.sh     (SKIFF_BIN=path to pick the skiff binary; KEEP_LOGS=1 keeps the logs)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SKIFF=$(readlink -f "${SKIFF_BIN:-$here/../out/skiff}")
[ -x "$SKIFF" ] || { echo "factory.sh: no skiff binary at $SKIFF (scripts/build.sh)" >&2; exit 1; }
bash "$here/../scripts/fixtures.sh" --factory >/dev/null || exit 1
work=$(mktemp -d /var/tmp/skiff-factory-bench.XXXXXX)
mkdir -p "$work/links" "$work/tmp-skiff" "$work/tmp-real"
ln -s "$SKIFF" "$work/links/podman"
ln -s "$SKIFF" "$work/links/buildah"

with_skiff() { PATH="$work/links:$PATH" CONTAINERS_STORAGE_CONF="$work/skiff/storage.conf" "$@"; }
with_real() { CONTAINERS_STORAGE_CONF="$work/real/storage.conf" "$@"; }
cleanup() {
  [ -f "$work/skiff/storage.conf" ] && with_skiff podman rm -f my-sf >/dev/null 2>&1
  [ -f "$work/real/storage.conf" ] && with_real podman rm -f my-sf >/dev/null 2>&1
  [ -f "$work/skiff/storage.conf" ] && with_skiff podman system reset -f >/dev/null 2>&1
  [ -f "$work/real/storage.conf" ] && with_real podman system reset -f >/dev/null 2>&1
  if [ -n "${KEEP_LOGS:-}" ]; then echo "logs in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

now() { date +%s%N; }
# run_demo NAME: times demo.sh on store $work/NAME; prints elapsed ms, or "failed" plus the failing step
run_demo() {
  local name=$1 t0 t1 rc
  t0=$(now)
  "with_$name" env SF_STORE="$work/$name" TMPDIR="$work/tmp-$name" bash "$here/../examples/software-factory/demo.sh" \
    >"$work/$name.log" 2>&1
  rc=$?
  t1=$(now)
  if [ $rc -eq 0 ]; then
    echo $(( (t1 - t0) / 1000000 ))
  else
    echo "failed ($(grep -a '^FAILED:' "$work/$name.log" | head -1))"
  fi
}
size_of() { # NAME IMAGE -> bytes
  "with_$1" podman image inspect "$2" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Size"])' 2>/dev/null || echo "-"
}
# the store's own bytes on disk (layers + metadata), a measure independent of what inspect reports
disk_of() { du -sb "$work/$1/root" 2>/dev/null | cut -f1; }

real_ms=$(run_demo real)
with_real podman rm -f my-sf >/dev/null 2>&1
skiff_ms=$(run_demo skiff)
with_skiff podman rm -f my-sf >/dev/null 2>&1

printf '%-22s %18s %18s\n' "" "skiff" "buildah+podman"
printf '%-22s %18s %18s\n' "demo.sh wall time (ms)" "$skiff_ms" "$real_ms"
printf '%-22s %18s %18s\n' "sf-image size (bytes)" "$(size_of skiff sf-image)" "$(size_of real sf-image)"
printf '%-22s %18s %18s\n' "store on disk (bytes)" "$(disk_of skiff)" "$(disk_of real)"
case "$skiff_ms$real_ms" in
  *failed*) echo "ratio: n/a (a run failed; KEEP_LOGS=1 keeps $work/{skiff,real}.log)" ;;
  *) awk -v s="$skiff_ms" -v r="$real_ms" 'BEGIN { printf "ratio skiff/real: %.2f (target <= 0.70)\n", s / r }' ;;
esac
