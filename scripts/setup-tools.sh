#!/usr/bin/env bash
# Builds the external tools the node and the testnet need into .tools/bin
# (gitignored): CometBFT (with its abci-cli) and Kubo (the IPFS daemon), pinned, from their Go
# modules. Idempotent: a binary that already reports the pinned version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

COMETBFT_VERSION="0.38.26" # latest v0.38 patch; bump here (src/node/tools.ts reads this line)
KUBO_VERSION="0.42.0" # newest Kubo whose whole dependency graph the Go module proxy serves here (v0.43.1 needs a go-libp2p fork it refuses); bump here (src/store/kubo-tools.ts reads this line)
BIN="$PWD/.tools/bin"
mkdir -p "$BIN"

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
need_go() {
  if [ -z "$GO" ]; then
    echo "setup-tools: Go is not installed, and $1 is built from its Go module." >&2
    echo "  Install Go 1.25 or newer (https://go.dev/doc/install), put it on PATH, then run 'npm run setup:tools' again." >&2
    exit 1
  fi
}

if [ -x "$BIN/cometbft" ] && [ "$("$BIN/cometbft" version 2>/dev/null)" = "$COMETBFT_VERSION" ]; then
  echo "setup-tools: cometbft $COMETBFT_VERSION already in .tools/bin"
else
  need_go CometBFT
  echo "setup-tools: building cometbft v$COMETBFT_VERSION with $("$GO" version) (about 2 minutes the first time)"
  GOBIN="$BIN" "$GO" install "github.com/cometbft/cometbft/cmd/cometbft@v$COMETBFT_VERSION"
  echo "setup-tools: $("$BIN/cometbft" version) installed in .tools/bin/cometbft"
fi

# abci-cli (its `kvstore` is the peer bench/node.ts measures the node against), from the
# same pinned CometBFT module. `abci-cli version` prints the ABCI version, not CometBFT's,
# so the module version is read from the binary's build info (`go version -m`).
abci_cli_version() { if [ -n "$GO" ]; then "$GO" version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/cometbft/cometbft" { print $3 }'; fi; }
if [ -x "$BIN/abci-cli" ] && { [ -z "$GO" ] || [ "$(abci_cli_version "$BIN/abci-cli")" = "v$COMETBFT_VERSION" ]; }; then
  echo "setup-tools: abci-cli (cometbft $COMETBFT_VERSION) already in .tools/bin"
else
  need_go abci-cli
  echo "setup-tools: building abci-cli of cometbft v$COMETBFT_VERSION with $("$GO" version)"
  GOBIN="$BIN" "$GO" install "github.com/cometbft/cometbft/abci/cmd/abci-cli@v$COMETBFT_VERSION"
  echo "setup-tools: abci-cli of cometbft $(abci_cli_version "$BIN/abci-cli") installed in .tools/bin/abci-cli"
fi

# `ipfs version --number` prints e.g. 0.43.1
if [ -x "$BIN/ipfs" ] && [ "$("$BIN/ipfs" version --number 2>/dev/null)" = "$KUBO_VERSION" ]; then
  echo "setup-tools: kubo $KUBO_VERSION already in .tools/bin"
else
  need_go Kubo
  echo "setup-tools: building kubo v$KUBO_VERSION with $("$GO" version) (several minutes the first time)"
  # Not `go install …@v$KUBO_VERSION`: that also asks the proxy for the module's version
  # list (to report deprecations), which the proxy here refuses. Download the pinned
  # module and build it as its own main module instead (same go.mod, same result).
  dir="$("$GO" mod download -json "github.com/ipfs/kubo@v$KUBO_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  if [ -z "$dir" ]; then echo "setup-tools: could not download github.com/ipfs/kubo@v$KUBO_VERSION through the Go module proxy" >&2; exit 1; fi
  (cd "$dir" && GOFLAGS=-buildvcs=false "$GO" build -trimpath -o "$BIN/ipfs" ./cmd/ipfs)
  echo "setup-tools: kubo $("$BIN/ipfs" version --number) installed in .tools/bin/ipfs"
fi

# The system's libsecp256k1 (Debian's libsecp256k1-1, 0.2 or newer): the node verifies tx
# signatures with it when it loads (src/node/secp256k1.ts: ~34 µs per verify here against ~42
# for the 2019 copy inside the `secp256k1` package, which stays the fallback). Optional: without
# it everything works, a little slower.
if ldconfig -p 2>/dev/null | grep -q 'libsecp256k1\.so\.[1-9]'; then
  echo "setup-tools: libsecp256k1 already installed ($(ldconfig -p | grep -o 'libsecp256k1\.so\.[1-9]*' | head -1))"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup-tools: installing Debian's libsecp256k1-1 (the node's faster signature verify)"
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsecp256k1-1 >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsecp256k1-1 >/dev/null; }; then
    echo "setup-tools: libsecp256k1-1 installed"
  else
    echo "setup-tools: could not install libsecp256k1-1 (see apt-get's message above); the node verifies signatures with the secp256k1 package's older build instead (about 20% slower per verify)"
  fi
else
  echo "setup-tools: libsecp256k1 is not installed; the node verifies signatures with the secp256k1 package's older build (about 20% slower per verify). To speed it up: sudo apt-get install libsecp256k1-1 (Debian/Ubuntu) or your system's libsecp256k1 package"
fi
