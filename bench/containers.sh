#!/usr/bin/env bash
# Container benchmarks, skiff against podman on separate throw-away stores:
#   run   `run --rm busybox true`: median wall time of skiff, podman, and bare `runc run` of a bundle with the
#         same rootfs (the runtime's floor); ratio skiff/podman (target at most 0.5) and skiff/floor.
#   ps    `ps -a` with PS_N (500) created containers (target under 50 ms).
#   mem   memory per running detached container: RSS of its conmon plus anything of ours left running
#         (target: no more than podman's).
# Usage: bench/containers.sh [run|ps|mem ...]   env: SKIFF_BIN, RUNS (9), PS_N (500), MEM_N (5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SKIFF=${SKIFF_BIN:-$here/../out/skiff}
RUNS=${RUNS:-9}
PS_N=${PS_N:-500}
MEM_N=${MEM_N:-5}
fixtures=$(bash "$here/../scripts/fixtures.sh")
work=$(mktemp -d /var/tmp/skiff-cbench.XXXXXX)
sk() { "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" "$@"; }
pm() { podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay "$@"; }
cleanup() {
  sk rm -af -t 0 >/dev/null 2>&1 || true
  pm rm -af -t 0 >/dev/null 2>&1 || true
  pm rmi -af >/dev/null 2>&1 || true
  for c in $(runc --root "$work/runc" list -q 2>/dev/null); do runc --root "$work/runc" delete -f "$c" >/dev/null 2>&1 || true; done
  umount -R "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s%N; }
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
# median wall time (ms, one decimal) of RUNS runs of "$@"
measure() {
  local t0 t1 i
  for i in $(seq "$RUNS"); do
    t0=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; t1=$(now)
    echo $(( (t1 - t0) / 100000 ))
  done | median | awk '{ printf "%.1f", $1 / 10 }'
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "# $(date -u +%FT%TZ)  $(nproc) cores  load average $(load)  skiff $SKIFF"

sk import "$fixtures/busybox.tar" busybox >/dev/null
pm import "$fixtures/busybox.tar" busybox >/dev/null

w_run() {
  # The floor: the busybox rootfs as an OCI bundle, run directly by runc (no conmon, no store, no network).
  mkdir -p "$work/bundle/rootfs"
  tar -C "$work/bundle/rootfs" -xf "$fixtures/busybox.tar"
  (cd "$work/bundle" && runc spec && sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"/"true"/' config.json)
  local n=0
  runc_once() { n=$((n + 1)); runc --root "$work/runc" run -b "$work/bundle" "bench-$$-$n"; }
  local s p f sn
  s=$(measure sk run --rm busybox true)
  p=$(measure pm run --rm busybox true)
  sn=$(measure sk run --rm --network none busybox true)
  f=$(measure runc_once)
  awk -v s="$s" -v p="$p" -v f="$f" -v sn="$sn" 'BEGIN {
    printf "run --rm true     skiff %7.1f ms   podman %7.1f ms   ratio %.2f (target <= 0.50)\n", s, p, s / p
    printf "                  runc run floor %5.1f ms   skiff/floor %.1fx   podman/floor %.1fx\n", f, s / f, p / f
    printf "  --network none  skiff %7.1f ms   (network setup costs %.1f ms)\n", sn, s - sn }'
}

w_ps() {
  local i
  for i in $(seq "$PS_N"); do
    sk create --name "c$i" busybox true >/dev/null
    pm create --name "c$i" busybox true >/dev/null
  done
  local s p
  s=$(measure sk ps -a)
  p=$(measure pm ps -a)
  awk -v n="$PS_N" -v s="$s" -v p="$p" 'BEGIN { printf "ps -a (%d)       skiff %7.1f ms   podman %7.1f ms   ratio %.2f (target skiff < 50 ms)\n", n, s, p, s / p }'
  sk rm -af -t 0 >/dev/null; pm rm -af -t 0 >/dev/null
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# RSS (kB) summed over the conmons of the given container ids
conmon_rss() {
  local total=0 pid id
  for pid in $(pgrep -x conmon); do
    for id in "$@"; do
      if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$id"; then total=$((total + $(rss_kb "$pid"))); fi
    done
  done
  echo "$total"
}
w_mem() {
  local i sids=() pids=()
  for i in $(seq "$MEM_N"); do
    sids+=("$(sk run -d busybox sleep 600)")
    pids+=("$(pm run -d busybox sleep 600)")
  done
  sleep 1
  local s p ours
  s=$(conmon_rss "${sids[@]}")
  p=$(conmon_rss "${pids[@]}")
  # Anything of ours that outlived the commands (there should be nothing but conmon).
  ours=0
  for pid in $(pgrep -f -- "$work/skiff-run" || true); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = conmon ] || ours=$((ours + $(rss_kb "$pid")))
  done
  awk -v n="$MEM_N" -v s="$s" -v p="$p" -v o="$ours" 'BEGIN {
    printf "memory/container  skiff %7.0f kB   podman %7.0f kB   (conmon RSS, mean of %d; other skiff processes left: %d kB)\n", s / n, p / n, n, o }'
  sk rm -af -t 0 >/dev/null; pm rm -af -t 0 >/dev/null
}

[ $# -gt 0 ] || set -- run ps mem
for w in "$@"; do
  case $w in
    run) w_run ;;
    ps) w_ps ;;
    mem) w_mem ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
echo "# load average after: $(load)"
