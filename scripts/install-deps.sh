#!/usr/bin/env bash
# Installs the Debian packages Skiff and its tests use. Skiff itself needs only runc/conmon/netavark at
# run time; podman, buildah, skopeo and umoci are here for the interop tests and benchmarks only.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install-deps.sh: run as root" >&2; exit 1; }
need=(runc conmon uidmap fuse-overlayfs slirp4netns zstd pigz busybox-static mmdebstrap docker-registry
      podman buildah skopeo umoci bats apache2-utils openssl ca-certificates tar
      netavark aardvark-dns catatonit golang-github-containers-common iproute2 iptables bsdutils curl time)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# podman on this machine needs runc + cgroupfs (hybrid cgroups) and limits it is allowed to set.
if [ ! -f /etc/containers/containers.conf ]; then
  mkdir -p /etc/containers
  cat > /etc/containers/containers.conf <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
fi
