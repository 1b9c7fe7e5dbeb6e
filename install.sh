#!/usr/bin/env bash
# Installs what Skiff needs and the `skiff` binary, then runs a first real job.
# --links also makes podman/buildah/skopeo links to skiff in /usr/local/lib/skiff-faces (put it first on PATH).
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/install-deps.sh
bash scripts/build.sh --install
if [ "${1:-}" = "--links" ]; then
  mkdir -p /usr/local/lib/skiff-faces
  for face in podman buildah skopeo; do ln -sf /usr/local/bin/skiff "/usr/local/lib/skiff-faces/$face"; done
  echo "links in /usr/local/lib/skiff-faces: PATH=/usr/local/lib/skiff-faces:\$PATH makes skiff answer as podman, buildah and skopeo"
fi
fixtures=$(bash scripts/fixtures.sh)
echo "== first job: import a busybox rootfs, tag it, save it as oci-archive, list"
skiff import --change 'CMD ["/bin/sh"]' --message "busybox-static rootfs" "$fixtures/busybox.tar" busybox
skiff tag busybox localhost/busybox:first-job
skiff save --format oci-archive -o /tmp/skiff-busybox.oci.tar busybox
skiff images
skiff info --format '{{.Store.GraphRoot}} ({{.Store.GraphDriverName}}): {{.Store.ImageStore.Number}} images'
