#!/usr/bin/env bash
# Runs each workload with skiff and with podman in turns, on separate throw-away stores, and prints
# the median wall time of each and the ratio skiff/podman (target: at most 0.7).
# Usage: bench/run.sh [workload...]   workloads: version import save-load images-1 images-100 images-1000
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SKIFF=${SKIFF_BIN:-$here/../out/skiff}
RUNS=${RUNS:-5}
fixtures=$(bash "$here/../scripts/fixtures.sh" --debian)
work=$(mktemp -d /var/tmp/skiff-bench.XXXXXX)
# Not `podman system reset`: it removes podman's shared /run/libpod under other podman processes.
trap 'podman --root "$work/podman" --runroot "$work/podman-run" rmi -af >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
sk() { "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" "$@"; }
pm() { podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay "$@"; }

now() { date +%s%N; }
# median of RUNS timings (ms) of "$@", with an optional setup command in $SETUP run before each
measure() {
  local times=() t0 t1
  for _ in $(seq "$RUNS"); do
    [ -n "${SETUP:-}" ] && eval "$SETUP" >/dev/null 2>&1
    t0=$(now); "$@" >/dev/null 2>&1; t1=$(now)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
report() { # name skiff_ms podman_ms
  awk -v n="$1" -v s="$2" -v p="$3" 'BEGIN { printf "%-14s skiff %7d ms   podman %7d ms   ratio %.2f\n", n, s, p, (p > 0 ? s / p : 0) }'
}

w_version() { report version "$(measure sk version)" "$(measure pm version)"; }
w_import() {
  report import "$(SETUP="sk rmi -af" measure sk import "$fixtures/debian.tar" deb)" \
                "$(SETUP="pm rmi -af" measure pm import "$fixtures/debian.tar" deb)"
}
w_save_load() {
  sk import "$fixtures/debian.tar" deb >/dev/null 2>&1; pm import "$fixtures/debian.tar" deb >/dev/null 2>&1
  report save-oci "$(measure sk save --format oci-archive -o "$work/s.tar" deb)" \
                  "$(measure pm save --format oci-archive -o "$work/p.tar" deb)"
  report load-oci "$(SETUP="sk rmi -af" measure sk load -i "$work/s.tar")" \
                  "$(SETUP="pm rmi -af" measure pm load -i "$work/p.tar")"
}
fill() { # n images of one tiny distinct layer each
  local n=$1 i
  sk rmi -af >/dev/null 2>&1 || true; pm rmi -af >/dev/null 2>&1 || true
  for i in $(seq "$n"); do
    mkdir -p "$work/tiny"; echo "$i" > "$work/tiny/f"; tar -C "$work/tiny" -cf "$work/tiny.tar" f
    sk import "$work/tiny.tar" "img$i" >/dev/null 2>&1; pm import "$work/tiny.tar" "img$i" >/dev/null 2>&1
  done
}
w_images() { fill "$1"; report "images-$1" "$(measure sk images)" "$(measure pm images)"; }

[ $# -gt 0 ] || set -- version import save-load images-1 images-100
for w in "$@"; do
  case $w in
    version) w_version ;;
    import) w_import ;;
    save-load) w_save_load ;;
    images-*) w_images "${w#images-}" ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
