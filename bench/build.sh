#!/usr/bin/env bash
# Containerfile builds and a Buildah script, timed with skiff and with the real tools, each on its own
# throw-away store (overlay) holding the same Debian base:
#   cold   a 10-instruction Containerfile with a 100 MB COPY, --no-cache     (target skiff/real <= 0.7)
#   warm   the same again, every step from the cache                          (target <= 0.3)
#   step   one small COPY source touched: that step and the ones after it rebuilt
#   script the article's Buildah script (examples/software-factory's shape on the Debian base), through a
#          `buildah` link to skiff against the real buildah                    (target <= 0.7)
# Prints the median of RUNS wall times and the ratios skiff/podman build and skiff/buildah bud.
# Usage: bench/build.sh [cold|warm|step|script ...]   (SKIFF_BIN picks the binary; RUNS=3 by default)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SKIFF=$(readlink -f "${SKIFF_BIN:-$here/../out/skiff}")
[ -x "$SKIFF" ] || { echo "build.sh: no skiff binary at $SKIFF (scripts/build.sh)" >&2; exit 1; }
RUNS=${RUNS:-3}
bash "$here/../scripts/fixtures.sh" --debian >/dev/null
fixtures=${SKIFF_FIXTURES:-/var/cache/skiff-fixtures}
work=$(mktemp -d /var/tmp/skiff-build-bench.XXXXXX)

sk() { "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" --storage-driver overlay "$@"; }
pm() { podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay "$@"; }
bh() { buildah --root "$work/buildah" --runroot "$work/buildah-run" --storage-driver overlay "$@"; }
cleanup() {
  # Not `podman system reset`: it removes podman's shared /run/libpod under other podman processes.
  sk buildah rm -a >/dev/null 2>&1; sk rmi -af >/dev/null 2>&1
  pm rmi -af >/dev/null 2>&1
  bh rm -a >/dev/null 2>&1; bh rmi -af >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# The build context: 100 MB of random data in 4 files, a small file the `step` workload touches.
ctx=$work/ctx
mkdir -p "$ctx/payload"
for i in 1 2 3 4; do head -c 25M /dev/urandom > "$ctx/payload/blob$i"; done
echo v0 > "$ctx/small.txt"
cat > "$ctx/Containerfile" <<'CF'
FROM localhost/debian
ARG VERSION=1
ENV APP_HOME=/srv/app
WORKDIR /srv/app
COPY payload/ ./payload/
RUN cat payload/* | wc -c > size.txt
COPY small.txt ./
RUN cat small.txt > copied.txt
LABEL bench=build version=$VERSION
CMD ["cat", "/srv/app/size.txt"]
CF

sk import "$fixtures/debian.tar" localhost/debian >/dev/null
pm import "$fixtures/debian.tar" localhost/debian >/dev/null 2>&1
# buildah has no import: podman fills buildah's store (the same containers/storage format).
podman --root "$work/buildah" --runroot "$work/buildah-run" --storage-driver overlay import "$fixtures/debian.tar" localhost/debian >/dev/null 2>&1

now() { date +%s%N; }
# median of RUNS timings (ms) of "$@", with $SETUP (if set) run before each
measure() {
  local times=() t0 t1
  for _ in $(seq "$RUNS"); do
    [ -n "${SETUP:-}" ] && eval "$SETUP" >/dev/null 2>&1
    t0=$(now); "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }; t1=$(now)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
report() { # name skiff_ms podman_ms buildah_ms
  awk -v n="$1" -v s="$2" -v p="$3" -v b="$4" 'BEGIN {
    printf "%-7s skiff %7d ms   podman build %7d ms (%.2f)   buildah bud %7d ms (%.2f)\n", n, s, p, (p > 0 ? s / p : 0), b, (b > 0 ? s / b : 0) }'
}

build_sk() { sk build --network host -t bench "$@" "$ctx"; }
build_pm() { pm build --network host -t bench "$@" "$ctx"; }
# buildah bud keeps no layers unless asked (its --layers defaults to false, podman build's to true).
build_bh() { bh bud --layers --network host -t bench "$@" "$ctx"; }

w_cold() {
  report cold "$(measure build_sk --no-cache)" "$(measure build_pm --no-cache)" "$(measure build_bh --no-cache)"
}
w_warm() {
  build_sk >/dev/null 2>&1; build_pm >/dev/null 2>&1; build_bh >/dev/null 2>&1
  report warm "$(measure build_sk)" "$(measure build_pm)" "$(measure build_bh)"
}
w_step() {
  build_sk >/dev/null 2>&1; build_pm >/dev/null 2>&1; build_bh >/dev/null 2>&1
  report step "$(SETUP='date +%s%N > "$ctx/small.txt"' measure build_sk)" \
              "$(SETUP='date +%s%N > "$ctx/small.txt"' measure build_pm)" \
              "$(SETUP='date +%s%N > "$ctx/small.txt"' measure build_bh)"
}

# The article's script: from, mount, a trap that cleans up, runs, writes through the mount, config, commit.
cat > "$work/article.sh" <<'SCRIPT'
#!/bin/bash -e
container=$(buildah from localhost/debian)
mountpath=$(buildah mount $container)
trap "set +e; buildah umount $container; buildah delete $container" EXIT
buildah run $container -- sh -c 'mkdir -p /srv/sf && echo installed > /etc/sf-config'
buildah run $container -- sh -c 'dpkg -l | wc -l > /srv/sf/packages'
cp /etc/os-release $mountpath/srv/sf/host-os-release
buildah run $container -- test -s /srv/sf/packages
buildah config --created-by "Software Factory" --author "release@softwarefactory-project.io" \
  --cmd /sbin/init --port 80 --port 443 --port 29418 $container
buildah commit $container sf-image
buildah containers
SCRIPT
w_script() {
  mkdir -p "$work/links"
  ln -sf "$SKIFF" "$work/links/buildah"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$work/skiff" "$work/skiff-run" > "$work/skiff.conf"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$work/buildah" "$work/buildah-run" > "$work/buildah.conf"
  local s b
  s=$(SETUP='sk rmi -f sf-image' measure env PATH="$work/links:$PATH" CONTAINERS_STORAGE_CONF="$work/skiff.conf" bash "$work/article.sh")
  b=$(SETUP='bh rmi -f sf-image' measure env CONTAINERS_STORAGE_CONF="$work/buildah.conf" bash "$work/article.sh")
  awk -v s="$s" -v b="$b" 'BEGIN { printf "%-7s skiff %7d ms   buildah %7d ms (%.2f)\n", "script", s, b, (b > 0 ? s / b : 0) }'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, RUNS=$RUNS"
[ $# -gt 0 ] || set -- cold warm step script
for w in "$@"; do
  case $w in
    cold) w_cold ;;
    warm) w_warm ;;
    step) w_step ;;
    script) w_script ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
