#!/usr/bin/env bash
# Installs prim on a fresh Debian 12 / Ubuntu VPS under the host's own systemd:
# builds primctl, primd and prsh, installs Caddy, the config skeleton and primd.service, and starts primd.
#
#   sudo deploy/install.sh REPO_URL [BRANCH] [STATE_PATH] [HOST_NAME]
#   sudo PRSH=1 PAY_TO=0x… FACILITATOR=https://… [NETWORK=eip155:8453] deploy/install.sh REPO_URL ...
#                                   # also run pr.sh as the local forge, paid with x402
#   sudo PRSH=1 PAYMENTS=off deploy/install.sh REPO_URL ...   # single-user machine: X-Wallet, unauthenticated
#
# With PRSH=1, REPO_URL is cloned once into /var/lib/prsh/state.git, which pr.sh owns and
# primd watches (pr.sh tells primd of each merge through primd's webhook); humans push there too.
#
# Needs the Swift 6 toolchain on PATH (or at /opt/swift). Re-running it upgrades the binaries
# and keeps /etc/prim/primd.yaml as it is. PRIM_BINARIES=DIR installs primctl, primd and prsh
# already built in DIR instead of building them (scripts/try-install reuses CI's build so).
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
repo=${1:?usage: install.sh REPO_URL [BRANCH] [STATE_PATH] [HOST_NAME]}
branch=${2:-main}
state_path=${3:-state}
host_name=${4:-$(hostname -s)}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${PRSH:-0}" = 1 ] && [ ! -f /etc/prim/prsh.env ] && [ "${PAYMENTS:-on}" != off ]; then
  [ -n "${PAY_TO:-}" ] && [ -n "${FACILITATOR:-}" ] || {
    echo "install.sh: pr.sh charges for changes with x402 and knows its caller from the payment: set PAY_TO (the address paid) and FACILITATOR (the x402 facilitator's URL), or PAYMENTS=off on a single-user machine" >&2
    exit 1
  }
fi
export PATH="/opt/swift/usr/bin:$PATH"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  libgit2-dev libcurl4-openssl-dev libyaml-dev libsystemd-dev libsecp256k1-dev pkg-config caddy git openssl >/dev/null
id prim >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin prim
id prsh >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin prsh

binaries=${PRIM_BINARIES:-}
if [ -z "$binaries" ]; then
  echo "building primctl, primd and prsh..."
  # The Swift standard library is linked in: the installed binaries do not need the toolchain's
  # libraries at run time (upgrading or removing the toolchain cannot break the services).
  for product in primctl primd prsh; do
    swift build -c release --static-swift-stdlib --package-path "$root" --product "$product" >/dev/null
  done
  binaries="$root/.build/release"
fi
install -m 0755 "$binaries/primctl" "$binaries/primd" "$binaries/prsh" /usr/local/bin/

install -d -m 0755 /etc/prim /etc/caddy/prim.d
# 0711: the prim user must reach its release directories under it; secrets/ inside is 0700.
install -d -m 0711 /var/lib/prim
install -m 0644 "$root/deploy/Caddyfile.header" /etc/prim/Caddyfile.header
if [ "${PRSH:-0}" = 1 ]; then
  install -d -m 0750 -o prsh -g prsh /var/lib/prsh
  # Cloned as root (git refuses to serve a local REPO_URL owned by root to another user), then given to prsh.
  [ -d /var/lib/prsh/state.git ] || { git clone -q --bare "$repo" /var/lib/prsh/state.git && chown -R prsh:prsh /var/lib/prsh/state.git; }
  for secret in hook-secret prsh-operator-token; do
    [ -f "/etc/prim/$secret" ] || ( umask 027; openssl rand -hex 32 > "/etc/prim/$secret"; chgrp prsh "/etc/prim/$secret" )
  done
  if [ ! -f /etc/prim/prsh.env ]; then
    if [ "${PAYMENTS:-on}" = off ]; then
      echo "PRSH_PAYMENTS=--payments off" > /etc/prim/prsh.env
    else
      echo "PRSH_PAYMENTS=--payments on --pay-to $PAY_TO --network ${NETWORK:-eip155:8453} --facilitator $FACILITATOR" > /etc/prim/prsh.env
    fi
    chmod 0640 /etc/prim/prsh.env; chgrp prsh /etc/prim/prsh.env
  fi
  repo=file:///var/lib/prsh/state.git
fi
if [ ! -f /etc/prim/primd.yaml ]; then
  sed -e "s/^host: vps$/host: $host_name/" "$root/deploy/primd.yaml" > /etc/prim/primd.yaml
  cat >> /etc/prim/primd.yaml <<YAML
controller:
  repo: $repo
  branch: $branch
  state_path: $state_path
  poll_interval: 60
  listen: 127.0.0.2:8470
YAML
  [ "${PRSH:-0}" != 1 ] || echo "  webhook_secret_file: /etc/prim/hook-secret" >> /etc/prim/primd.yaml
fi
# Caddy starts from the Caddyfile primd keeps (header + prim's fragments).
[ -f /etc/caddy/Caddyfile.prim-installed ] || { cp /etc/caddy/Caddyfile /etc/caddy/Caddyfile.before-prim 2>/dev/null || true; touch /etc/caddy/Caddyfile.prim-installed; }
{ cat /etc/prim/Caddyfile.header; echo; echo "import /etc/caddy/prim.d/*.caddy"; } > /etc/caddy/Caddyfile
# Caddy's admin API is a socket in /run/caddy, a directory only caddy and root may enter:
# no prim (each runs as its own dynamic user) can reach it.
install -d -m 0755 /etc/systemd/system/caddy.service.d
cat > /etc/systemd/system/caddy.service.d/prim-admin-socket.conf <<'UNIT'
[Service]
RuntimeDirectory=caddy
RuntimeDirectoryMode=0700
UNIT
# The host's age identity (once; 0600): it decrypts the state's encrypted secrets.
/usr/local/bin/primctl host init --config /etc/prim/primd.yaml
install -m 0644 "$root/deploy/primd.service" /etc/systemd/system/primd.service
systemctl daemon-reload
systemctl enable caddy
systemctl restart caddy
systemctl enable primd
systemctl restart primd
if [ "${PRSH:-0}" = 1 ]; then
  install -m 0644 "$root/deploy/prsh.service" /etc/systemd/system/prsh.service
  systemctl daemon-reload
  systemctl enable prsh
  systemctl restart prsh
  echo "pr.sh listens on 127.0.0.2:7300 (put it behind Caddy to publish it); operator token: /etc/prim/prsh-operator-token"
fi
echo "primd is running; see: primctl status, journalctl -u primd"
echo "Prims whose env needs a secret wait for it: primctl secret set NAME (value on stdin), or commit it"
echo "encrypted to this host's recipient (primctl host init prints it; primctl secret encrypt NAME), then primctl reconcile --force."
