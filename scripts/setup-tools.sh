#!/usr/bin/env bash
# Builds the external tools the node needs into .tools/bin (gitignored):
# CometBFT, pinned, from its Go module. Idempotent: a binary that already
# reports the pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

COMETBFT_VERSION="0.38.26" # latest v0.38 patch; bump here (src/node/tools.ts reads this line)
BIN="$PWD/.tools/bin"
mkdir -p "$BIN"

if [ -x "$BIN/cometbft" ] && [ "$("$BIN/cometbft" version 2>/dev/null)" = "$COMETBFT_VERSION" ]; then
  echo "setup-tools: cometbft $COMETBFT_VERSION already in .tools/bin"
  exit 0
fi

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
if [ -z "$GO" ]; then
  echo "setup-tools: Go is not installed, and CometBFT is built from its Go module." >&2
  echo "  Install Go 1.22 or newer (https://go.dev/doc/install, or 'apt-get install golang-go'), put it on PATH, then run 'npm run setup:tools' again." >&2
  exit 1
fi

echo "setup-tools: building cometbft v$COMETBFT_VERSION with $("$GO" version) (about 2 minutes the first time)"
GOBIN="$BIN" "$GO" install "github.com/cometbft/cometbft/cmd/cometbft@v$COMETBFT_VERSION"
echo "setup-tools: $("$BIN/cometbft" version) installed in .tools/bin/cometbft"
