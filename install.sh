#!/usr/bin/env bash
# Installs what Skiff needs and the `skiff` binary, runs a first real job, then the Software Factory demo
# (examples/software-factory/demo.sh with skiff as podman and buildah), which ends with the dashboard answering.
# --links also makes podman/buildah/skopeo links to skiff in /usr/local/lib/skiff-faces (put it first on PATH).
# SKIFF_NO_DEMO=1 skips the demo.
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

[ -n "${SKIFF_NO_DEMO:-}" ] && exit 0
echo "== the Software Factory demo (examples/software-factory/demo.sh; the first time, the factory base is made with mmdebstrap: about 4 minutes)"
bash scripts/fixtures.sh --factory >/dev/null
log=$(mktemp /tmp/skiff-sf-demo.XXXXXX.log)
if ! SF_WITH=skiff SKIFF_BIN=/usr/local/bin/skiff SF_KEEP=1 bash examples/software-factory/demo.sh 2>&1 | tee "$log"; then
  echo "install.sh: the demo failed (its output: $log)" >&2
  exit 1
fi
url=$(awk '/^  Dashboard:/ { print $2; exit }' "$log")
echo "== the dashboard answers at $url: $(curl -fsS --max-time 20 "$url" | grep -o '<h1>[^<]*</h1>')"
