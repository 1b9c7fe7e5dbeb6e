#!/bin/bash -e
# Builds sf-image: the all-in-one Software Factory image (systemd, nginx gateway, MariaDB, sshd on 29418
# and a first-boot configuration unit), written the way a Buildah user writes it. Runs unchanged with
# the real buildah and with skiff's buildah face. The base (localhost/factory-base) comes from
# scripts/fixtures.sh --factory, which already holds the packages, so this needs no network.
# -e here too: `bash build.sh` ignores the #! flags, and a failed `buildah from` must not leave an empty
# $mountpath that turns the cp lines below into writes to the host.
set -e
here=$(cd "$(dirname "$0")" && pwd)
files=$here/files

container=$(buildah from localhost/factory-base)
mountpath=$(buildah mount $container)
[ -d "$mountpath/etc" ] || { echo "build.sh: buildah mount gave '$mountpath'" >&2; exit 1; }

trap "set +e; buildah umount $container; buildah delete $container" EXIT

# Install the services
buildah run $container -- apt-get install -y nginx mariadb-server openssh-server openssl git

# The boot target and the first-boot configuration
cp $files/default.target $mountpath/etc/systemd/system/default.target
cp $files/sfconfig.service $mountpath/etc/systemd/system/sfconfig.service
mkdir -p $mountpath/usr/libexec/software-factory
buildah copy $container $files/sfinit /usr/libexec/software-factory/sfinit
buildah run $container -- chmod 755 /usr/libexec/software-factory/sfinit
mkdir -p $mountpath/etc/systemd/journald.conf.d
cp $files/journald-sf.conf $mountpath/etc/systemd/journald.conf.d/software-factory.conf

# The gateway
mkdir -p $mountpath/var/www/software-factory
cp $files/index.html $mountpath/var/www/software-factory/index.html
cp $files/nginx-sf.conf $mountpath/etc/nginx/sites-available/software-factory
rm -f $mountpath/etc/nginx/sites-enabled/default
ln -sf ../sites-available/software-factory $mountpath/etc/nginx/sites-enabled/software-factory

# The code review port
cp $files/sshd-sf.conf $mountpath/etc/ssh/sshd_config.d/software-factory.conf

# Enable the services; the console-login and hardware units make no sense in a container
buildah run $container -- systemctl enable sfconfig.service mariadb.service nginx.service ssh.service
buildah run $container -- systemctl mask getty.target console-getty.service systemd-logind.service \
  systemd-udevd.service systemd-remount-fs.service
buildah run $container -- sh -c 'apt-get clean && rm -rf /var/lib/apt/lists/*'

# Test that the services are installed
buildah run $container -- nginx -v
buildah run $container -- mariadbd --version
buildah run $container -- systemctl is-enabled sfconfig.service

# Tag the image
buildah config --created-by "Software Factory" --author "release@softwarefactory-project.io" \
  --cmd /sbin/init --port 80 --port 443 --port 29418 $container

buildah commit $container sf-image
