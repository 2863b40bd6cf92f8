#!/usr/bin/env bash
# Installs prim on a Debian 12 VPS from its Debian package and points primd at the state repository.
#
#   sudo deploy/install.sh REPO_URL [BRANCH] [STATE_PATH] [HOST_NAME]
#   sudo PRSH=1 PAY_TO=0x… FACILITATOR=https://… [NETWORK=eip155:8453] deploy/install.sh REPO_URL ...
#                                   # also run pr.sh as the local forge, paid with x402
#   sudo PRSH=1 PAYMENTS=off deploy/install.sh REPO_URL ...   # single-user machine: X-Wallet, unauthenticated
#   sudo deploy/install.sh --uninstall [--purge]
#
# PRIM_DEB=FILE installs that package (scripts/package builds one); without it the package is built
# here first, which needs the Swift 6 toolchain on PATH (or at /opt/swift). EMAIL=you@example.com
# is given to Let's Encrypt for expiry mail (none by default).
#
# The package starts primd (enabled, waiting for a repository) and points Caddy at the Caddyfile
# primd keeps, /etc/prim/Caddyfile, which imports the operator's /etc/caddy/Caddyfile after prim's
# sites: that file is not changed. This script then fills in the controller: block of
# /etc/prim/primd.yaml once (a re-run keeps it). With PRSH=1, REPO_URL is cloned once into
# /var/lib/prsh/state.git, which pr.sh owns and primd watches (pr.sh tells primd of each merge
# through primd's webhook); humans push there too.
#
# --uninstall is `apt-get remove prim`: primd and pr.sh stop, Caddy goes back to its own Caddyfile,
# config and data stay. --uninstall --purge is `apt-get purge prim`: everything prim made goes
# (config, identity, the prims it deployed, its data) but the state repository /var/lib/prsh/state.git.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
if [ "${1:-}" = --uninstall ]; then
  if [ "${2:-}" = --purge ]; then apt-get purge -y -qq prim; else apt-get remove -y -qq prim; fi
  exit 0
fi
repo=${1:?usage: install.sh REPO_URL [BRANCH] [STATE_PATH] [HOST_NAME], or install.sh --uninstall [--purge]}
branch=${2:-main}
state_path=${3:-state}
host_name=${4:-$(hostname -s)}
root=$(cd "$(dirname "$0")/.." && pwd)
# What goes into config files is checked first: nothing is installed when one is wrong.
die() { echo "install.sh: $*" >&2; exit 1; }
case "$repo" in
  *[[:space:]]*|*\'*|*\"*) die "REPO_URL must not hold spaces or quotes: $repo" ;;
esac
authority=${repo#*://}
authority=${authority%%[/?#]*}
case "$repo" in
  http://*@*|https://*@*)
    case "$authority" in
      *@*) die "REPO_URL must not hold a user, password or token (it would be readable in /etc/prim/primd.yaml): put the token in a file, 0600, and set controller.token_file to it" ;;
    esac ;;
esac
[[ "$host_name" =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] || die "HOST_NAME must be a host name like vps1 (hosts/<name>.yaml), got '$host_name'"
[[ "$branch" =~ ^[A-Za-z0-9._/-]+$ ]] || die "BRANCH must be a branch name, got '$branch'"
[[ "$state_path" =~ ^[A-Za-z0-9._/-]*$ ]] || die "STATE_PATH must be a folder of the repository, got '$state_path'"
[ -z "${EMAIL:-}" ] || [[ "$EMAIL" =~ ^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$ ]] || die "EMAIL must be an address like ops@example.com, got '$EMAIL'"
if [ "${PRSH:-0}" = 1 ] && [ ! -f /etc/prim/prsh.env ] && [ "${PAYMENTS:-on}" != off ]; then
  [ -n "${PAY_TO:-}" ] && [ -n "${FACILITATOR:-}" ] || {
    echo "install.sh: pr.sh charges for changes with x402 and knows its caller from the payment: set PAY_TO (the address paid) and FACILITATOR (the x402 facilitator's URL), or PAYMENTS=off on a single-user machine" >&2
    exit 1
  }
fi
export PATH="/opt/swift/usr/bin:$PATH"

deb=${PRIM_DEB:-}
# A fresh image has no package lists: caddy and git could not be resolved.
if [ -z "$deb" ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v '^lock$\|^partial$')" ]; then
  apt-get update -qq
fi
if [ -z "$deb" ]; then
  apt-get install -y -qq --no-install-recommends libgit2-dev libcurl4-openssl-dev libyaml-dev libsystemd-dev \
    libsecp256k1-dev pkg-config dpkg-dev man-db >/dev/null
  echo "building the package (release build: minutes)..."
  deb=$("$root/scripts/package")
fi

# An install by an earlier install.sh (binaries in /usr/local/bin, units in /etc/systemd/system,
# /etc/caddy/Caddyfile overwritten): its units would shadow the package's, so they go, and the
# operator's Caddyfile comes back.
for unit in primd.service prsh.service caddy.service.d/prim-admin-socket.conf; do
  if [ -f "/etc/systemd/system/$unit" ] && grep -q 'prim\|RuntimeDirectory=caddy' "/etc/systemd/system/$unit"; then
    rm -f "/etc/systemd/system/$unit"
    echo "removed /etc/systemd/system/$unit (an earlier install's; the package's is in /lib/systemd/system)"
  fi
done
rm -f /usr/local/bin/primctl /usr/local/bin/primd /usr/local/bin/prsh
if [ -f /etc/caddy/Caddyfile.prim-installed ]; then
  if [ -f /etc/caddy/Caddyfile.before-prim ]; then
    mv /etc/caddy/Caddyfile.before-prim /etc/caddy/Caddyfile
    echo "restored /etc/caddy/Caddyfile from before the earlier install (prim now imports it)"
  else
    # There was none: what is there is prim's own composed file, which prim now writes elsewhere.
    mv /etc/caddy/Caddyfile /etc/caddy/Caddyfile.prim-old
    echo "# Your own Caddy sites; prim imports this file after its own (caddy.import)." > /etc/caddy/Caddyfile
    echo "/etc/caddy/Caddyfile was prim's (moved to /etc/caddy/Caddyfile.prim-old); it is now yours, empty"
  fi
  rm -f /etc/caddy/Caddyfile.prim-installed
fi
# That install's host config had Caddy's main file at /etc/caddy/Caddyfile and an email of ours:
# point it at the package's layout (prim's own main file, the operator's Caddyfile imported).
if [ -f /etc/prim/primd.yaml ] && grep -q '^  main: /etc/caddy/Caddyfile$' /etc/prim/primd.yaml; then
  sed -i 's|^  main: /etc/caddy/Caddyfile$|  main: /etc/prim/Caddyfile\n  import: [/etc/caddy/Caddyfile]|' /etc/prim/primd.yaml
  echo "/etc/prim/primd.yaml: Caddy's main file is now /etc/prim/Caddyfile, importing /etc/caddy/Caddyfile"
fi
if [ -f /etc/prim/Caddyfile.header ]; then
  sed -i 's|^\temail ops@prim.sh$|\t#email you@example.com|' /etc/prim/Caddyfile.header
fi

# The package's conffiles: ours, kept on upgrade (--force-confold) when the operator changed them.
apt-get install -y -qq -o Dpkg::Options::=--force-confold "$(realpath "$deb")"

if [ -n "${EMAIL:-}" ]; then
  # EMAIL was checked above: letters, digits and ._%+-@ only, nothing sed reads specially.
  sed -i -E "s|^\t#?email .*|\temail $EMAIL|" /etc/prim/Caddyfile.header
  grep -q "^.email $EMAIL\$" /etc/prim/Caddyfile.header || die "could not set the email in /etc/prim/Caddyfile.header: add 'email $EMAIL' to its global options"
  echo "Let's Encrypt's account address: $EMAIL (in /etc/prim/Caddyfile.header; primd reloads Caddy with it)"
fi

if [ "${PRSH:-0}" = 1 ]; then
  # Cloned as root (git refuses to serve a local REPO_URL owned by root to another user), then given to prsh.
  [ -d /var/lib/prsh/state.git ] || { git clone -q --bare "$repo" /var/lib/prsh/state.git && chown -R prsh:prsh /var/lib/prsh/state.git; }
  for secret in hook-secret prsh-operator-token; do
    [ -f "/etc/prim/$secret" ] || ( umask 027; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "/etc/prim/$secret"; chgrp prsh "/etc/prim/$secret" )
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
if ! grep -q '^controller:' /etc/prim/primd.yaml; then
  sed -i "s/^host: vps$/host: $host_name/" /etc/prim/primd.yaml
  cat >> /etc/prim/primd.yaml <<YAML
controller:
  repo: $repo
  branch: $branch
  state_path: $state_path
  poll_interval: 60
  listen: 127.0.0.2:8470
YAML
  [ "${PRSH:-0}" != 1 ] || echo "  webhook_secret_file: /etc/prim/hook-secret" >> /etc/prim/primd.yaml
  echo "primd watches $repo ($branch, $state_path/) as host $host_name: /etc/prim/primd.yaml"
elif ! grep -q "^  repo: $repo\$" /etc/prim/primd.yaml; then
  echo "WARNING: /etc/prim/primd.yaml's controller: block is kept as it was, and it does not watch $repo:" >&2
  echo "         edit its repo:$([ "${PRSH:-0}" = 1 ] && echo ' (and webhook_secret_file: /etc/prim/hook-secret)'), then systemctl restart primd" >&2
fi
systemctl restart primd
if [ "${PRSH:-0}" = 1 ]; then
  systemctl restart prsh
  echo "pr.sh listens on 127.0.0.2:7300 (put it behind Caddy to publish it); operator token: /etc/prim/prsh-operator-token"
fi
echo "primd is running; see: primctl status, journalctl -u primd, http://127.0.0.2:8470/ (its status page)"
echo "Caddy starts from /etc/prim/Caddyfile: prim's sites, then your /etc/caddy/Caddyfile (imported, unchanged)."
echo "Prims whose env needs a secret wait for it: primctl secret set NAME (value on stdin), or commit it"
echo "encrypted to this host's recipient (primctl host init prints it; primctl secret encrypt NAME), then primctl reconcile --force."
echo "DNS: to have primd keep each prim's records, set dns: in /etc/prim/primd.yaml (docs/dns.md)."
echo "Uninstall: deploy/install.sh --uninstall (config and data stay) or --uninstall --purge."
