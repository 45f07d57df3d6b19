#!/usr/bin/env bash
# Installs and configures what the image build and the containers testnet backend need, as
# root on Debian (CI runs it from .ci/run; idempotent): podman with runc (crun fails on
# these machines: "cgroups in hybrid mode not supported"), debootstrap (the image's base),
# and /etc/containers/containers.conf with runc and explicit ulimits (without them runc
# fails setting rlimits: "error setting rlimit type 7").
set -euo pipefail
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "setup-podman: installing podman, runc and debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi
conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  mkdir -p /etc/containers
  [ -f "$conf" ] && cp "$conf" "$conf.r3mes-backup"
  printf '%s\n' "$want" >"$conf"
  echo "setup-podman: wrote $conf (runc, ulimits)"
fi
echo "setup-podman: $(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}')"
