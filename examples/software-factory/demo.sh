#!/bin/bash
# The whole Software Factory run of the article with the `podman` and `buildah` found first on PATH
# (the real tools, or links named podman/buildah pointing at skiff): import the base, build sf-image,
# boot it with systemd, reach the dashboard and SSH through the published ports, read the admin
# password, show the first-boot logs and commit the configured container.
#
# Environment:
#   SF_STORE=DIR      a private store (graphroot DIR/root, runroot DIR/run) instead of the default one
#   SF_BOOT_TIMEOUT=N seconds to wait for the first boot (default 240)
#   SF_STOP=1         stop my-sf at the end (it is kept for `podman start`); by default it keeps running
# Each step prints "== STEP name" and then "ok: name" or "FAILED: name" (the test keys on these).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(bash "$here/../../scripts/fixtures.sh" --factory) || exit 1
boot_timeout=${SF_BOOT_TIMEOUT:-240}

if [ -n "${SF_STORE:-}" ]; then
  mkdir -p "$SF_STORE"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/root"\nrunroot = "%s/run"\n' "$SF_STORE" "$SF_STORE" \
    > "$SF_STORE/storage.conf"
  export CONTAINERS_STORAGE_CONF=$SF_STORE/storage.conf
fi

current=""
step() { current=$1; echo "== STEP $1"; }
ok() { echo "ok: $current"; }
fail() { echo "FAILED: $current${1:+: $1}"; exit 1; }

step import-base
if ! podman image inspect localhost/factory-base >/dev/null 2>&1; then
  podman import "$fixtures/factory-base.tar" localhost/factory-base || fail "podman import"
fi
ok

step build
bash "$here/build.sh" || fail "build.sh"
podman image inspect sf-image >/dev/null || fail "sf-image not in the store after build.sh"
ok

step run
# A leftover my-sf from an earlier run goes first (a second try: stopping systemd can outlast the first).
for _ in 1 2 3; do
  podman container inspect my-sf >/dev/null 2>&1 || break
  podman rm -f my-sf >/dev/null 2>&1 || sleep 2
done
podman run -d --privileged --interactive --tty --publish-all --systemd=always \
  -v /sys/fs/cgroup:/sys/fs/cgroup:ro --name my-sf sf-image || fail "podman run"
ok

step boot
state=""
for _ in $(seq "$boot_timeout"); do
  state=$(podman exec my-sf systemctl is-system-running 2>/dev/null)
  case "$state" in running|degraded) break ;; esac
  sleep 1
done
echo "system state: ${state:-unknown}"
case "$state" in running|degraded) ;; *) podman logs my-sf 2>&1 | tail -30; fail "systemd did not finish booting" ;; esac
[ "$state" = degraded ] && podman exec my-sf systemctl --failed --no-legend
podman exec my-sf systemctl is-active sfconfig.service mariadb.service nginx.service ssh.service \
  || fail "a service is not active"
ok

step port
podman port my-sf || fail "podman port"
port_of() { podman port my-sf "$1/tcp" | head -1 | sed 's/.*://'; }
http_port=$(port_of 80); https_port=$(port_of 443); ssh_port=$(port_of 29418)
[ -n "$http_port" ] && [ -n "$https_port" ] && [ -n "$ssh_port" ] || fail "80, 443 and 29418 must each be published"
ok

step dashboard-http
# (the container address is printed on failure: two stores handing out the same address on one bridge
# send the published port to the wrong container)
curl -fsS --max-time 120 "http://127.0.0.1:$http_port/" | grep -q "Software Factory dashboard" ||
  fail "no dashboard on port $http_port (my-sf at $(podman container inspect my-sf | awk -F'"' '/"IPAddress"/ { print $4; exit }'))"
curl -fsS --max-time 120 "http://127.0.0.1:$http_port/api/info.json" | grep -q '"projects": \["demo"\]' || fail "no API through the gateway"
ok

step dashboard-https
curl -fsSk --max-time 120 "https://127.0.0.1:$https_port/" | grep -q "Software Factory dashboard" || fail "no dashboard on port $https_port"
ok

step ssh
banner=$(timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ssh_port && head -1 <&3" 2>/dev/null)
echo "ssh banner: $banner"
case "$banner" in SSH-2.0-*) ;; *) fail "no SSH banner on port $ssh_port" ;; esac
ok

step admin-password
admin_password=$(podman exec my-sf awk '/admin_password/ {print $2}' /etc/software-factory/sfconfig.yaml)
[ -n "$admin_password" ] || fail "no admin_password in sfconfig.yaml"
echo "admin password: $admin_password"
ok

step logs
podman logs my-sf > "${TMPDIR:-/tmp}/my-sf.log" 2>&1
grep -aq "Software Factory first-boot configuration: SUCCESS" "${TMPDIR:-/tmp}/my-sf.log" || fail "the first-boot summary is not in podman logs"
grep -a -A8 "first-boot configuration: SUCCESS" "${TMPDIR:-/tmp}/my-sf.log" | tr -d '\r'
ok

step restart
# systemd halts on the stop signal (SIGRTMIN+3); 137 would mean it had to be killed.
podman stop -t 60 my-sf || fail "podman stop"
exit_code=$(podman container inspect my-sf | awk -F'[:,]' '/"ExitCode"/ { gsub(/ /, "", $2); print $2; exit }')
echo "stopped with exit code: ${exit_code:-unknown}"
[ "$exit_code" != 137 ] || fail "systemd did not shut down before the timeout (SIGKILL)"
podman start my-sf || fail "podman start"
state=""
for _ in $(seq "$boot_timeout"); do
  state=$(podman exec my-sf systemctl is-system-running 2>/dev/null)
  case "$state" in running|degraded) break ;; esac
  sleep 1
done
echo "system state after start: ${state:-unknown}"
case "$state" in running|degraded) ;; *) fail "systemd did not boot again" ;; esac
after=$(podman exec my-sf awk '/admin_password/ {print $2}' /etc/software-factory/sfconfig.yaml)
[ "$after" = "$admin_password" ] || fail "the configuration did not survive stop/start (admin_password now '$after')"
http_port=$(port_of 80); https_port=$(port_of 443); ssh_port=$(port_of 29418)
curl -fsS --max-time 120 "http://127.0.0.1:$http_port/" | grep -q "Software Factory dashboard" || fail "no dashboard after start"
ok

step commit
podman commit my-sf my-sf-image || fail "podman commit"
podman image inspect my-sf-image >/dev/null || fail "my-sf-image not in the store"
ok

if [ -n "${SF_STOP:-}" ]; then
  step stop
  podman stop -t 60 my-sf || fail "podman stop"
  ok
fi

cat <<DONE

Software Factory is ready.
  Dashboard:      http://127.0.0.1:$http_port/   https://127.0.0.1:$https_port/
  Code review:    ssh -p $ssh_port admin@127.0.0.1
  Admin password: podman exec my-sf awk '/admin_password/ {print \$2}' /etc/software-factory/sfconfig.yaml
DONE
