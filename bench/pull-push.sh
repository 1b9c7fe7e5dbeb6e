#!/usr/bin/env bash
# Pull and push of the Debian image (one layer, and the same files split into four layers) through a local
# docker-registry on 127.0.0.1: skiff against podman pull/push and skopeo copy, each on its own throw-away
# store. Prints the median wall time, the ratio skiff/other (target: at most 0.6) and the peak RSS of each.
# Pull goes into an empty store; push goes to an empty registry (restarted with empty storage before each run).
# Usage: bench/pull-push.sh [pull|push]...   (RUNS=3 by default; SKIFF_BIN or out/skiff)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SKIFF=${SKIFF_BIN:-$here/../out/skiff}
RUNS=${RUNS:-3}
fixtures=$(bash "$here/../scripts/fixtures.sh" --debian)
[ -n "$fixtures" ] || fixtures=${SKIFF_FIXTURES:-/var/cache/skiff-fixtures}
work=$(mktemp -d /var/tmp/skiff-bench-pp.XXXXXX)
cleanup() {
  for r in src dst; do [ -f "$work/reg-$r/pid" ] && kill "$(cat "$work/reg-$r/pid")" 2>/dev/null || true; done
  for s in podman skopeo; do podman --root "$work/$s" --runroot "$work/$s-run" rmi -af >/dev/null 2>&1 || true; done
  "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" system reset -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
sk() { "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" "$@"; }
pm() { podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay "$@"; }
so_store="containers-storage:[overlay@$work/skopeo+$work/skopeo-run]"
pm_store="containers-storage:[overlay@$work/podman+$work/podman-run]"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
reg_start() { # name: a docker-registry on a fixed port per name, empty storage unless it has some
  local d=$work/reg-$1 port
  mkdir -p "$d/storage"
  [ -f "$d/port" ] || free_port > "$d/port"
  port=$(cat "$d/port")
  cat > "$d/config.yml" <<CONF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $d/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
CONF
  docker-registry serve "$d/config.yml" >"$d/log" 2>&1 &
  echo $! > "$d/pid"
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && return 0; sleep 0.05; done
  echo "docker-registry $1 did not start: $(cat "$d/log")" >&2; return 1
}
reg_stop() { local d=$work/reg-$1; kill "$(cat "$d/pid")" 2>/dev/null || true; while kill -0 "$(cat "$d/pid")" 2>/dev/null; do sleep 0.05; done; rm -f "$d/pid"; }
reg_reset() { reg_stop "$1"; rm -rf "$work/reg-$1/storage"; reg_start "$1"; }
host() { echo "127.0.0.1:$(cat "$work/reg-$1/port")"; }

# An OCI layout of debian.tar as one gzip layer, and of the same entries split into four layers.
make_layouts() {
  python3 - "$fixtures/debian.tar" "$work" <<'PY'
import gzip, hashlib, json, os, sys, tarfile
src, work = sys.argv[1], sys.argv[2]
def split(name):
    for i, prefix in enumerate(("./usr/lib/", "./usr/share/", "./usr/bin/")):
        if name.startswith(prefix) or name == prefix.rstrip("/"):
            return i
    return 3
parts = {"single": [os.path.join(work, "single-0.tar")], "multi": [os.path.join(work, f"multi-{i}.tar") for i in range(4)]}
with tarfile.open(src) as tin:
    outs = [tarfile.open(p, "w", format=tarfile.PAX_FORMAT) for p in parts["multi"]]
    for m in tin:
        f = tin.extractfile(m) if m.isreg() else None
        outs[split(m.name)].addfile(m, f)
    for o in outs:
        o.close()
os.link(src, parts["single"][0])
for kind, tars in parts.items():
    layout = os.path.join(work, "layout-" + kind)
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs)
    def put(data):
        d = hashlib.sha256(data).hexdigest()
        open(os.path.join(blobs, d), "wb").write(data)
        return {"digest": "sha256:" + d, "size": len(data)}
    layers, diffs = [], []
    for t in tars:
        raw = open(t, "rb").read()
        diffs.append("sha256:" + hashlib.sha256(raw).hexdigest())
        layers.append(dict(put(gzip.compress(raw, 6, mtime=0)), mediaType="application/vnd.oci.image.layer.v1.tar+gzip"))
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/bash"]},
                         "rootfs": {"type": "layers", "diff_ids": diffs},
                         "history": [{"created_by": f"bench layer {i}"} for i in range(len(tars))]}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": dict(put(config), mediaType="application/vnd.oci.image.config.v1+json"),
                           "layers": layers}).encode()
    index = {"schemaVersion": 2, "manifests": [dict(put(manifest), mediaType="application/vnd.oci.image.manifest.v1+json",
                                                    annotations={"org.opencontainers.image.ref.name": "1"})]}
    json.dump(index, open(os.path.join(layout, "index.json"), "w"))
    json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(layout, "oci-layout"), "w"))
PY
}

# Runs "$@" RUNS times (SETUP before each, untimed); prints "median_ms max_rss_kb".
measure() {
  local times=() rss=0 r
  for _ in $(seq "$RUNS"); do
    [ -n "${SETUP:-}" ] && eval "$SETUP" >/dev/null 2>&1
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { echo "failed: $* $(cat "$work/err")" >&2; return 1; }
    read -r secs kb < <(tail -1 "$work/time")
    times+=("$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }')")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  r=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  echo "$r $rss"
}
report() { # name skiff(ms kb) podman(ms kb) skopeo(ms kb)
  awk -v n="$1" -v s="$2" -v sr="$3" -v p="$4" -v pr="$5" -v o="$6" -v orr="$7" 'BEGIN {
    printf "%-12s skiff %6d ms %4d MB | podman %6d ms %4d MB ratio %.2f | skopeo %6d ms %4d MB ratio %.2f\n",
      n, s, sr / 1024, p, pr / 1024, (p > 0 ? s / p : 0), o, orr / 1024, (o > 0 ? s / o : 0) }'
}

w_pull() { # kind
  local img; img=$(host src)/bench/$1:1
  # shellcheck disable=SC2046
  report "pull-$1" \
    $(SETUP="sk rmi -af" measure "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" pull -q --tls-verify=false "$img") \
    $(SETUP="pm rmi -af" measure podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay pull -q --tls-verify=false "$img") \
    $(SETUP="podman --root $work/skopeo --runroot $work/skopeo-run rmi -af" measure skopeo copy -q --src-tls-verify=false "docker://$img" "${so_store}$img")
}
w_push() { # kind
  local src dst; src=$(host src)/bench/$1:1; dst=$(host dst)/bench/$1:1
  sk pull -q --tls-verify=false "$src" >/dev/null; pm pull -q --tls-verify=false "$src" >/dev/null
  # shellcheck disable=SC2046
  report "push-$1" \
    $(SETUP="reg_reset dst" measure "$SKIFF" --root "$work/skiff" --runroot "$work/skiff-run" push -q --tls-verify=false "$src" "$dst") \
    $(SETUP="reg_reset dst" measure podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay push -q --tls-verify=false "$src" "$dst") \
    $(SETUP="reg_reset dst" measure skopeo copy -q --dest-tls-verify=false "${pm_store}$src" "docker://$dst")
}

make_layouts
reg_start src
reg_start dst
for kind in single multi; do
  skopeo copy -q --dest-tls-verify=false "oci:$work/layout-$kind:1" "docker://$(host src)/bench/$kind:1"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)   runs: $RUNS"
[ $# -gt 0 ] || set -- pull push
for w in "$@"; do
  case $w in
    pull) w_pull single; w_pull multi ;;
    push) w_push single; w_push multi ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
