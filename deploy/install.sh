#!/usr/bin/env bash
# Installs prim on a fresh Debian 12 / Ubuntu VPS under the host's own systemd:
# builds primctl and primd, installs Caddy, the config skeleton and primd.service, and starts primd.
#
#   sudo deploy/install.sh REPO_URL [BRANCH] [STATE_PATH] [HOST_NAME]
#
# Needs the Swift 6 toolchain on PATH (or at /opt/swift). Re-running it upgrades the binaries
# and keeps /etc/prim/primd.yaml as it is.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
repo=${1:?usage: install.sh REPO_URL [BRANCH] [STATE_PATH] [HOST_NAME]}
branch=${2:-main}
state_path=${3:-state}
host_name=${4:-$(hostname -s)}
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/opt/swift/usr/bin:$PATH"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  libgit2-dev libcurl4-openssl-dev libyaml-dev libsystemd-dev pkg-config caddy git >/dev/null
id prim >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin prim

echo "building primctl and primd..."
swift build -c release --package-path "$root" --product primctl >/dev/null
swift build -c release --package-path "$root" --product primd >/dev/null
install -m 0755 "$root/.build/release/primctl" "$root/.build/release/primd" /usr/local/bin/

install -d -m 0755 /etc/prim /etc/caddy/prim.d
install -d -m 0700 /var/lib/prim
install -m 0644 "$root/deploy/Caddyfile.header" /etc/prim/Caddyfile.header
if [ ! -f /etc/prim/primd.yaml ]; then
  sed -e "s/^host: vps$/host: $host_name/" "$root/deploy/primd.yaml" > /etc/prim/primd.yaml
  cat >> /etc/prim/primd.yaml <<YAML
controller:
  repo: $repo
  branch: $branch
  state_path: $state_path
  poll_interval: 60
  listen: 127.0.0.1:8470
YAML
fi
# Caddy starts from the Caddyfile primd keeps (header + prim's fragments).
[ -f /etc/caddy/Caddyfile.prim-installed ] || { cp /etc/caddy/Caddyfile /etc/caddy/Caddyfile.before-prim 2>/dev/null || true; touch /etc/caddy/Caddyfile.prim-installed; }
{ cat /etc/prim/Caddyfile.header; echo; echo "import /etc/caddy/prim.d/*.caddy"; } > /etc/caddy/Caddyfile
install -m 0644 "$root/deploy/primd.service" /etc/systemd/system/primd.service
systemctl daemon-reload
systemctl enable --now caddy
systemctl enable primd
systemctl restart primd
echo "primd is running; see: primctl status, journalctl -u primd"
