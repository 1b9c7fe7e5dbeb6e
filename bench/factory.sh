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
# podman rm -f of a systemd container sometimes needs a second try (the stop outlasts the first).
remove_my_sf() { local _; for _ in 1 2 3; do "with_$1" podman rm -f my-sf >/dev/null 2>&1 && break; sleep 2; done; }
cleanup() {
  [ -f "$work/skiff/storage.conf" ] && remove_my_sf skiff
  [ -f "$work/real/storage.conf" ] && remove_my_sf real
  [ -f "$work/skiff/storage.conf" ] && with_skiff podman system reset -f >/dev/null 2>&1
  [ -f "$work/real/storage.conf" ] && with_real podman system reset -f >/dev/null 2>&1
  if [ -n "${KEEP_LOGS:-}" ]; then echo "logs in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

now() { date +%s%N; }
# run_demo NAME: runs demo.sh on store $work/NAME, stamping each output line with the ms since the start
# (in $work/NAME.log), so runs can be compared up to the last step both passed.
run_demo() {
  local name=$1 t0
  t0=$(now)
  "with_$name" env SF_STORE="$work/$name" TMPDIR="$work/tmp-$name" bash "$here/../examples/software-factory/demo.sh" 2>&1 |
    while IFS= read -r line; do printf '%d %s\n' $(( ($(now) - t0) / 1000000 )) "$line"; done >"$work/$name.log"
}
passed() { awk '$2 == "ok:" { print $3 }' "$work/$1.log"; }
ms_at() { awk -v s="$2" '$2 == "ok:" && $3 == s { print $1 }' "$work/$1.log"; }
first_failure() { grep -a ' FAILED:' "$work/$1.log" | head -1 | cut -d' ' -f2-; }
size_of() { # NAME IMAGE -> bytes
  "with_$1" podman image inspect "$2" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Size"])' 2>/dev/null || echo "-"
}
# the store's own bytes on disk (layers + metadata), a measure independent of what inspect reports
disk_of() { du -sb "$work/$1/root" 2>/dev/null | cut -f1; }

run_demo real
remove_my_sf real
run_demo skiff
remove_my_sf skiff

# The last step of demo.sh that both runs passed: the times are compared there.
common=$(comm -12 <(passed real | sort) <(passed skiff | sort))
last=""
for s in $(passed real); do grep -qx "$s" <<<"$common" && last=$s; done
skiff_ms=$(ms_at skiff "$last"); real_ms=$(ms_at real "$last")
all_real=$(passed real | tail -1); all_skiff=$(passed skiff | tail -1)

printf '%-30s %18s %18s\n' "" "skiff" "buildah+podman"
# Each step's own time (ms since the previous step ended).
prev_s=0; prev_r=0
for s in $(passed real); do
  cs=$(ms_at skiff "$s"); cr=$(ms_at real "$s")
  printf '%-30s %18s %18s\n' "  step $s" "$([ -n "$cs" ] && echo $((cs - prev_s)) || echo -)" "$((cr - prev_r))"
  [ -n "$cs" ] && prev_s=$cs; prev_r=$cr
done
printf '%-30s %18s %18s\n' "demo.sh through '$last' (ms)" "${skiff_ms:--}" "${real_ms:--}"
printf '%-30s %18s %18s\n' "last step passed" "${all_skiff:-none}" "${all_real:-none}"
printf '%-30s %18s %18s\n' "sf-image size (bytes)" "$(size_of skiff sf-image)" "$(size_of real sf-image)"
printf '%-30s %18s %18s\n' "store on disk (bytes)" "$(disk_of skiff)" "$(disk_of real)"
for n in skiff real; do f=$(first_failure $n); [ -n "$f" ] && echo "$n: $f"; done
if [ -n "$skiff_ms" ] && [ -n "$real_ms" ]; then
  awk -v s="$skiff_ms" -v r="$real_ms" -v l="$last" 'BEGIN { printf "ratio skiff/real through %s: %.2f (target <= 0.70)\n", l, s / r }'
else
  echo "ratio: n/a (no step passed in both runs; KEEP_LOGS=1 keeps the logs)"
fi
