#!/usr/bin/env bash
# Base images for tests and examples, made locally (nothing from docker.io): a busybox rootfs from
# busybox-static and a Debian bookworm minbase rootfs from mmdebstrap. Cached in $SKIFF_FIXTURES.
set -euo pipefail
dir=${SKIFF_FIXTURES:-/var/cache/skiff-fixtures}
mkdir -p "$dir"
if [ ! -s "$dir/busybox.tar" ]; then
  tmp=$(mktemp -d)
  mkdir -p "$tmp"/{bin,etc,tmp,root,proc,sys,dev,var}
  cp /bin/busybox "$tmp/bin/busybox"
  for a in $("$tmp/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$tmp/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$tmp/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$tmp/etc/group"
  tar -C "$tmp" --numeric-owner --owner=0 --group=0 -cf "$dir/busybox.tar.tmp" .
  mv "$dir/busybox.tar.tmp" "$dir/busybox.tar"
  rm -rf "$tmp"
fi
if [ "${1:-}" = "--debian" ] && [ ! -s "$dir/debian.tar" ]; then
  rm -rf "$dir/debian.tmp.tar"
  mmdebstrap --quiet --variant=minbase --format=tar bookworm "$dir/debian.tmp.tar" >"$dir/mmdebstrap.log" 2>&1 \
    || { cat "$dir/mmdebstrap.log" >&2; exit 1; }
  mv "$dir/debian.tmp.tar" "$dir/debian.tar"
fi
# The software-factory base: bookworm with systemd and every service the example installs, so that
# `apt-get install` in examples/software-factory/build.sh finds them installed and needs no network.
if [ "${1:-}" = "--factory" ] && [ ! -s "$dir/factory-base.tar" ]; then
  rm -f "$dir/factory-base.tmp.tar"
  start=$(date +%s)
  mmdebstrap --quiet --variant=minbase --format=tar \
    --include=systemd,systemd-sysv,dbus,nginx,mariadb-server,openssh-server,openssl,ca-certificates,git,procps,hostname,iproute2 \
    bookworm "$dir/factory-base.tmp.tar" >"$dir/mmdebstrap-factory.log" 2>&1 \
    || { cat "$dir/mmdebstrap-factory.log" >&2; exit 1; }
  mv "$dir/factory-base.tmp.tar" "$dir/factory-base.tar"
  echo "fixtures.sh: factory-base.tar made in $(( $(date +%s) - start ))s" >&2
fi
# Debian with systemd and nginx for the runtime's systemd tests.
if [ "${1:-}" = "--systemd" ] && [ ! -s "$dir/debian-systemd.tar" ]; then
  rm -f "$dir/debian-systemd.tmp.tar"
  mmdebstrap --quiet --variant=minbase --include=systemd,systemd-sysv,nginx-light,dbus --format=tar \
    bookworm "$dir/debian-systemd.tmp.tar" >"$dir/mmdebstrap-systemd.log" 2>&1 \
    || { cat "$dir/mmdebstrap-systemd.log" >&2; exit 1; }
  mv "$dir/debian-systemd.tmp.tar" "$dir/debian-systemd.tar"
fi
echo "$dir"
