#!/usr/bin/env bash
# Installs Debian's chromium for the explorer's browser test (test/explorer/explorer.integration.test.ts
# drives it with playwright-core), as root on Debian; CI runs it from .ci/run before the integration
# stage; idempotent. The test finds it at /usr/bin/chromium (or $R3MES_CHROMIUM).
set -euo pipefail
if ! command -v chromium >/dev/null; then
  echo "setup-browser: installing chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "setup-browser: $(chromium --version 2>/dev/null | tail -n 1)"
