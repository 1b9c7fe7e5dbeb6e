#!/bin/bash
# The whole Software Factory run of the article, with the `podman` and `buildah` commands:
# import the base, build sf-image with build.sh, boot it with systemd, reach the dashboard (HTTP and
# HTTPS) and SSH through the published ports, read the admin password, show the first-boot summary in
# the logs, commit the configured container and boot the commit, stop/start, log in and push to a local
# docker-registry (htpasswd), pull it back into a fresh store and boot it, then images, ps -a, rm -af,
# rmi -a. Everything happens in private stores under one work directory, never in the default store.
#
# Environment:
#   SF_WITH=skiff     (default) podman and buildah are links to skiff ($SKIFF_BIN, else `skiff` on PATH)
#   SF_WITH=path      the podman and buildah found on PATH (the real tools)
#   SF_WORK=DIR       the work directory (stores, registry, logs); default a new /var/tmp/skiff-sf-demo.*
#   SF_KEEP=1         on success keep the pulled-back my-sf running (and its store) for you to visit
#   SF_BOOT_TIMEOUT=N seconds to wait for each boot (default 240)
# Each step prints "== STEP name", then "ok: name (N.Ns)" or "FAILED: name: why", and the script exits
# non-zero at the first failure. A few "key: value" lines carry what the test asserts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
boot_timeout=${SF_BOOT_TIMEOUT:-240}
fixtures=$(bash "$here/../../scripts/fixtures.sh" --factory) || { echo "FAILED: fixtures: scripts/fixtures.sh --factory"; exit 1; }

work=${SF_WORK:-$(mktemp -d /var/tmp/skiff-sf-demo.XXXXXX)}
mkdir -p "$work/bin" "$work/store" "$work/fresh" "$work/registry/data" "$work/tmp"
work=$(cd "$work" && pwd)
export TMPDIR=$work/tmp

case "${SF_WITH:-skiff}" in
  skiff)
    skiff_bin=${SKIFF_BIN:-$(command -v skiff || true)}
    [ -n "$skiff_bin" ] && [ -x "$skiff_bin" ] || { echo "FAILED: setup: no skiff binary (set SKIFF_BIN or install skiff)"; exit 1; }
    ln -sfn "$(readlink -f "$skiff_bin")" "$work/bin/podman"
    ln -sfn "$(readlink -f "$skiff_bin")" "$work/bin/buildah"
    export PATH=$work/bin:$PATH ;;
  path) ;;
  *) echo "FAILED: setup: SF_WITH must be skiff or path"; exit 1 ;;
esac
echo "podman: $(command -v podman) -> $(readlink -f "$(command -v podman)")"

# The build store: storage.conf through CONTAINERS_STORAGE_CONF, which podman, buildah and skiff honour,
# so build.sh runs unchanged. The fresh store is named with --root/--runroot on each command.
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/store/root"\nrunroot = "%s/store/run"\n' "$work" "$work" \
  > "$work/store/storage.conf"
export CONTAINERS_STORAGE_CONF=$work/store/storage.conf
export REGISTRY_AUTH_FILE=$work/auth.json
echo '{"auths": {}}' > "$REGISTRY_AUTH_FILE"
fresh() { podman --root "$work/fresh/root" --runroot "$work/fresh/run" "$@"; }
run_flags=(--privileged --interactive --tty --publish-all --systemd=always -v /sys/fs/cgroup:/sys/fs/cgroup:ro)

registry_pid=""
succeeded=""
# rm -f of a systemd container can need a second try while its stop is still under way.
remove_all() { local _; for _ in 1 2 3; do "$@" rm -af >/dev/null 2>&1 && break; sleep 2; done; "$@" rmi -af >/dev/null 2>&1; }
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null
  remove_all podman
  if [ -n "$succeeded" ] && [ -n "${SF_KEEP:-}" ]; then
    echo "kept: $work (the fresh store with my-sf running)"
  else
    remove_all fresh
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

current=""; t_step=0
now_ms() { date +%s%3N; }
step() { current=$1; t_step=$(now_ms); echo; echo "== STEP $1"; }
ok() { local ms=$(( $(now_ms) - t_step )); printf 'ok: %s (%d.%ds)\n' "$current" $((ms / 1000)) $((ms % 1000 / 100)); }
fail() { echo "FAILED: $current${1:+: $1}"; exit 1; }

# boot NAME [STORE-FN]: waits until systemd in NAME says running (or degraded, listing what failed).
boot() {
  local name=$1 p=${2:-podman} state="" deadline=$(( $(date +%s) + boot_timeout ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    # --wait blocks until the boot is over; it fails at once while systemd's bus is not up yet.
    state=$("$p" exec "$name" timeout $(( deadline - $(date +%s) + 1 )) systemctl is-system-running --wait 2>/dev/null)
    case "$state" in running|degraded) break ;; esac
    sleep 1
  done
  echo "system state of $name: ${state:-unknown}"
  case "$state" in
    running) ;;
    degraded) "$p" exec "$name" systemctl --failed --no-legend ;;
    *) "$p" logs "$name" 2>&1 | tail -30; fail "systemd in $name did not finish booting in ${boot_timeout}s" ;;
  esac
  "$p" exec "$name" systemctl is-active mariadb.service nginx.service ssh.service >/dev/null \
    || fail "a service of $name is not active"
}
# get URL [curl flags]: the body; retried for a while (an address freed by a stopped container and handed
# to the next one can take the host's neighbour cache a few seconds to learn).
get() { local url=$1; shift; curl -fsS --connect-timeout 5 --max-time 20 --retry 8 --retry-delay 2 --retry-all-errors "$@" "$url"; }
# why_unreachable NAME STORE-FN PORT: what the test log needs to tell a network fault from a service fault.
why_unreachable() {
  local a; a=$(address_of "$1" "$2")
  echo "$1 at ${a:-no address}; neighbour: $(ip neigh show "${a:-0.0.0.0}" 2>/dev/null); rules for :$3: $(iptables -t nat -S 2>/dev/null | grep -c -- "--dport $3 ")"
}
port_of() { "${3:-podman}" port "$1" "$2/tcp" | head -1 | sed 's/.*://'; }
address_of() { "${2:-podman}" container inspect "$1" 2>/dev/null | awk -F'"' '/"IPAddress": "[0-9]/ { print $4; exit }'; }
# dashboard NAME [STORE-FN]: the page over HTTP and HTTPS and the API behind the gateway.
dashboard() {
  local name=$1 p=${2:-podman} http https
  http=$(port_of "$name" 80 "$p"); https=$(port_of "$name" 443 "$p")
  get "http://127.0.0.1:$http/" | grep -q "Software Factory dashboard" ||
    fail "no dashboard on http://127.0.0.1:$http/ ($(why_unreachable "$name" "$p" "$http"))"
  get "https://127.0.0.1:$https/" -k | grep -q "Software Factory dashboard" ||
    fail "no dashboard on https://127.0.0.1:$https/ ($(why_unreachable "$name" "$p" "$https"))"
  echo "dashboard of $name: http://127.0.0.1:$http/ https://127.0.0.1:$https/"
}
password_of() { "${2:-podman}" exec "$1" awk '/admin_password/ {print $2}' /etc/software-factory/sfconfig.yaml | tr -d '\r'; }
t_start=$(now_ms)

step import-base
podman import "$fixtures/factory-base.tar" localhost/factory-base || fail "podman import"
ok

step build
"$here/build.sh" || fail "build.sh"
podman image inspect sf-image >/dev/null || fail "sf-image not in the store after build.sh"
ok

step run
podman run -d "${run_flags[@]}" --name my-sf sf-image || fail "podman run"
ok

step boot
boot my-sf
ok

step port
podman port my-sf | tee "$work/ports" || fail "podman port"
http_port=$(port_of my-sf 80); https_port=$(port_of my-sf 443); ssh_port=$(port_of my-sf 29418)
[ -n "$http_port" ] && [ -n "$https_port" ] && [ -n "$ssh_port" ] || fail "80, 443 and 29418 must each be published"
ok

step dashboard-http
get "http://127.0.0.1:$http_port/" | grep -q "Software Factory dashboard" ||
  fail "no dashboard on port $http_port ($(why_unreachable my-sf podman "$http_port"))"
get "http://127.0.0.1:$http_port/api/info.json" | tee "$work/info.json" | grep -q '"projects": \["demo"\]' ||
  fail "no API through the gateway"
echo "api: $(cat "$work/info.json")"
ok

step dashboard-https
get "https://127.0.0.1:$https_port/" -k | grep -q "Software Factory dashboard" || fail "no dashboard on port $https_port"
subject=$(curl -sSk --max-time 60 -o /dev/null -w '%{certs}' "https://127.0.0.1:$https_port/" 2>/dev/null | awk '/^Subject:/ { print; exit }')
echo "certificate: ${subject:-?}"
ok

step ssh
banner=$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ssh_port && head -1 <&3" 2>/dev/null | tr -d '\r')
echo "ssh banner: $banner"
case "$banner" in SSH-2.0-*) ;; *) fail "no SSH banner on port $ssh_port" ;; esac
ok

step admin-password
admin_password=$(password_of my-sf)
[ -n "$admin_password" ] || fail "no admin_password in sfconfig.yaml"
echo "admin password: $admin_password"
ok

step logs
podman logs my-sf > "$work/my-sf.log" 2>&1 || fail "podman logs"
grep -aq "Software Factory first-boot configuration: SUCCESS" "$work/my-sf.log" || fail "the first-boot summary is not in podman logs"
grep -a -A8 "first-boot configuration: SUCCESS" "$work/my-sf.log" | tr -d '\r'
ok

step commit
podman commit my-sf my-sf-image || fail "podman commit"
podman image inspect my-sf-image >/dev/null || fail "my-sf-image not in the store"
ok

step stop
# systemd halts on the stop signal (SIGRTMIN+3). With --privileged the kernel then ends PID 1 of the
# pid namespace with SIGINT, so the container's own exit code is 130 (podman's too); 137 would mean the
# stop timeout ran out and it was killed. The shutdown must also show in the logs.
stop_timeout=10
t0=$(now_ms)
podman stop my-sf || fail "podman stop exited $?"
took=$(( $(now_ms) - t0 ))
exit_code=$(podman container inspect my-sf | awk -F'[:,]' '/"ExitCode"/ { gsub(/ /, "", $2); print $2; exit }')
echo "stop: status 0 in ${took}ms (timeout ${stop_timeout}s), container exit code ${exit_code:-unknown}"
[ "$exit_code" != 137 ] || fail "systemd did not shut down before the timeout (SIGKILL)"
[ "$took" -lt $(( stop_timeout * 1000 )) ] || fail "podman stop needed the whole timeout"
podman logs my-sf 2>&1 | tr -d '\r' > "$work/my-sf.log"
shutdown_lines=$(grep -a -E "shutdown.target|System Halt|Halting system|Powering off" "$work/my-sf.log" | sed 's/\x1b\[[0-9;]*m//g')
[ -n "$shutdown_lines" ] || fail "no systemd shutdown in podman logs"
echo "$shutdown_lines" | sed 's/^/shutdown: /'
ok

step run-committed
podman run -d "${run_flags[@]}" --name my-sf-copy my-sf-image || fail "podman run my-sf-image"
boot my-sf-copy
copy_password=$(password_of my-sf-copy)
echo "admin password in my-sf-copy: $copy_password"
[ "$copy_password" = "$admin_password" ] || fail "my-sf-image lost the configuration (admin_password '$copy_password')"
condition=$(podman exec my-sf-copy systemctl show -p ConditionResult --value sfconfig.service | tr -d '\r')
echo "sfconfig.service ran again: $condition"
[ "$condition" = no ] || fail "the first-boot configuration ran again in my-sf-copy"
dashboard my-sf-copy
podman stop my-sf-copy >/dev/null || fail "podman stop my-sf-copy"
ok

step start
podman start my-sf || fail "podman start"
boot my-sf
after=$(password_of my-sf)
echo "admin password after start: $after"
[ "$after" = "$admin_password" ] || fail "the configuration did not survive stop/start (admin_password now '$after')"
dashboard my-sf
ok

step registry
registry_port=""
for _ in $(seq 50); do
  p=$(( 20000 + RANDOM % 30000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { registry_port=$p; break; }
done
[ -n "$registry_port" ] || fail "no free port for the registry"
registry_user=sf-admin registry_secret=$(openssl rand -hex 8)
htpasswd -Bbn "$registry_user" "$registry_secret" > "$work/registry/htpasswd" || fail "htpasswd -B"
cat > "$work/registry/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: 127.0.0.1:$registry_port
  secret: $(openssl rand -hex 16)
auth:
  htpasswd:
    realm: software-factory
    path: $work/registry/htpasswd
YAML
# (without REGISTRY_AUTH_FILE: docker-registry reads REGISTRY_* variables as overrides of its config)
env -u REGISTRY_AUTH_FILE docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$registry_port/v2/" && break
  kill -0 "$registry_pid" 2>/dev/null || { cat "$work/registry/log"; fail "docker-registry exited"; }
  sleep 0.1
done
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$registry_port/v2/")
echo "registry: 127.0.0.1:$registry_port (htpasswd, /v2/ without credentials: $status)"
[ "$status" = 401 ] || fail "the registry does not ask for credentials"
registry=127.0.0.1:$registry_port
ok

step login
podman login --tls-verify=false -u "$registry_user" -p "$registry_secret" "$registry" || fail "podman login"
ok

step push
podman push --tls-verify=false my-sf-image "docker://$registry/my-org/my-sf-image" || fail "podman push"
tags=$(curl -fsS -u "$registry_user:$registry_secret" "http://$registry/v2/my-org/my-sf-image/tags/list")
echo "registry tags: $tags"
case "$tags" in *'"latest"'*) ;; *) fail "my-org/my-sf-image:latest not in the registry" ;; esac
# The built store's containers are stopped before the fresh store boots one (podman allocates addresses
# per store, so two stores' containers could be handed the same one).
podman stop my-sf >/dev/null || fail "podman stop my-sf"
ok

step pull-fresh
[ -z "$(fresh images -q 2>/dev/null)" ] || fail "the fresh store is not empty"
fresh pull --tls-verify=false "$registry/my-org/my-sf-image" || fail "podman pull into the fresh store"
fresh images
ok

step boot-fresh
fresh run -d "${run_flags[@]}" --name my-sf "$registry/my-org/my-sf-image" || fail "podman run in the fresh store"
boot my-sf fresh
pulled_password=$(password_of my-sf fresh)
echo "admin password in the fresh store: $pulled_password"
[ "$pulled_password" = "$admin_password" ] || fail "the pulled image lost the configuration"
dashboard my-sf fresh
fresh_http=$(port_of my-sf 80 fresh); fresh_https=$(port_of my-sf 443 fresh); fresh_ssh=$(port_of my-sf 29418 fresh)
ok

step images
podman images | tee "$work/images" || fail "podman images"
for i in localhost/factory-base localhost/sf-image localhost/my-sf-image; do
  grep -q "^$i " "$work/images" || fail "$i not listed"
done
for i in sf-image my-sf-image; do echo "size of $i: $(podman image inspect --format '{{.Size}}' $i) bytes"; done
echo "store on disk: $(du -sb "$work/store/root" | cut -f1) bytes"
ok

step ps
podman ps -a | tee "$work/ps" || fail "podman ps -a"
for c in my-sf my-sf-copy; do grep -q " $c\$" "$work/ps" || fail "$c not listed"; done
ok

step rm
podman rm -af || fail "podman rm -af"
[ -z "$(podman ps -aq)" ] || fail "containers left after rm -af"
ok

step rmi
podman rmi -a || fail "podman rmi -a"
[ -z "$(podman images -aq)" ] || fail "images left after rmi -a"
ok

succeeded=1
total=$(( $(now_ms) - t_start ))
tool=podman; [ "${SF_WITH:-skiff}" = skiff ] && tool=skiff
fresh_cmd="$tool --root $work/fresh/root --runroot $work/fresh/run"
echo
echo "demo: all steps passed in $((total / 1000)).$((total % 1000 / 100))s"
cat <<DONE

Software Factory is ready (my-sf, booted from the image pulled back into the fresh store).
  Dashboard:      http://127.0.0.1:$fresh_http/   https://127.0.0.1:$fresh_https/
  Code review:    ssh -p $fresh_ssh admin@127.0.0.1
  Admin password: $fresh_cmd exec my-sf awk '/admin_password/ {print \$2}' /etc/software-factory/sfconfig.yaml
DONE
if [ -n "${SF_KEEP:-}" ]; then
  echo "  When done:      $fresh_cmd rm -f my-sf && $fresh_cmd rmi -a && rm -rf $work"
else
  echo "  (SF_KEEP=1 keeps it running; this run removes it now)"
fi
