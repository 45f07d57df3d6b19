/**
 * The shell scripts the testnet's pods run (`r3mes testnet manifests`),
 * shipped in the chain ConfigMap. Each pod learns who it is from its
 * StatefulSet ordinal (the number at the end of its host name): which
 * consensus key, node key and keyring key are its own, and which peers are
 * not itself. POSIX sh only; the directories can be moved by environment
 * variables so the tests run the very same scripts outside a cluster.
 */

/** Paths in the pods (overridable for tests). */
const PATHS = `CHAIN=\${R3MES_CHAIN_DIR:-/chain}
SECRETS=\${R3MES_SECRETS_DIR:-/secrets}
DATA=\${R3MES_DATA_DIR:-/data}
i=\${HOSTNAME##*-}
case "$i" in ''|*[!0-9]*) echo "host name $HOSTNAME does not end in a StatefulSet ordinal" >&2; exit 1;; esac`;

/**
 * Init container: copies this pod's own keys (and no other's) from the
 * mounted Secrets onto its volume, and the shared chain files into the
 * CometBFT home. Env: R3MES_ROLE (validator|miner|proposer), R3MES_KEY_PREFIX.
 */
export const INIT_SH = `#!/bin/sh
# Prepares this pod's volume: its own keyring key, and for a validator its CometBFT home.
set -eu
${PATHS}
key="\${R3MES_KEY_PREFIX}$i"
mkdir -p "$DATA/keyring"
chmod 700 "$DATA/keyring"
cp "$SECRETS/keyring/$key.json" "$DATA/keyring/$key.json"
chmod 600 "$DATA/keyring/$key.json"
if [ "$R3MES_ROLE" = validator ]; then
  home="$DATA/home"
  mkdir -p "$home/config" "$home/data"
  cp "$CHAIN/genesis.json" "$CHAIN/config.toml" "$CHAIN/app.toml" "$home/config/"
  cp "$SECRETS/consensus/priv_validator_key-$i.json" "$home/config/priv_validator_key.json"
  cp "$SECRETS/consensus/node_key-$i.json" "$home/config/node_key.json"
  chmod 600 "$home/config/priv_validator_key.json" "$home/config/node_key.json"
  # The signing state is what keeps a restarted validator from double signing: made once, never replaced.
  [ -f "$home/data/priv_validator_state.json" ] ||
    printf '{"height":"0","round":0,"step":0}\\n' >"$home/data/priv_validator_state.json"
fi
echo "pod $HOSTNAME: key $key ready"
`;

/**
 * CometBFT of a validator pod: every validator but itself as a persistent
 * peer (from CHAIN/peers: "ordinal id@host:port" lines). CometBFT resolves
 * the peers' names once at start and exits if one does not resolve, so it
 * first waits (bounded) for their DNS records, then for the app's socket.
 */
export const COMET_SH = `#!/bin/sh
set -eu
${PATHS}
home="$DATA/home"
peers=""
hosts=""
while read -r j addr; do
  [ "$j" = "$i" ] && continue
  peers="$peers\${peers:+,}$addr"
  hp="\${addr#*@}"
  hosts="$hosts \${hp%:*}"
done <"$CHAIN/peers"
t=0
limit=\${R3MES_WAIT_S:-180}
if command -v getent >/dev/null 2>&1; then
  for h in $hosts; do
    until [ "$t" -ge "$limit" ] || getent hosts "$h" >/dev/null 2>&1; do sleep 1; t=$((t + 1)); done
  done
fi
until [ -S "$home/abci.sock" ] || [ "$t" -ge "$limit" ]; do sleep 1; t=$((t + 1)); done
exec \${R3MES_COMETBFT:-cometbft} start --home "$home" --moniker "$HOSTNAME" \\
  --proxy_app "unix://$home/abci.sock" --p2p.persistent_peers "$peers"
`;

/**
 * A role daemon (validator duty, miner, proposer): signs with its own
 * keyring key, follows its validator's RPC (its own pod's for a validator;
 * node (ordinal + R3MES_NODE_OFFSET) mod validators for the others, as
 * \`testnet up\` spreads them). Extra arguments are passed on.
 */
export const DAEMON_SH = `#!/bin/sh
set -eu
${PATHS}
if [ "$R3MES_ROLE" = validator ]; then
  rpc="http://127.0.0.1:26657"
else
  node=$(((i + \${R3MES_NODE_OFFSET:-0}) % R3MES_VALIDATORS))
  rpc="http://\${R3MES_VALIDATOR_SET}-$node.\${R3MES_P2P_DOMAIN}:26657"
fi
exec \${R3MES_BIN:-r3mes} "$R3MES_ROLE" start --rpc "$rpc" --keyring-dir "$DATA/keyring" \\
  --from "\${R3MES_KEY_PREFIX}$i" --store "$R3MES_STORE" --world-seed "$R3MES_WORLD_SEED" \\
  --block-time-ms "$R3MES_BLOCK_TIME_MS" --train-ms "$R3MES_TRAIN_MS" --state-dir "$DATA/state" "$@"
`;

/** Kubo's image runs /container-init.d/*.sh before the daemon: a private node (no bootstrap, discovery or routing), as `up` makes. */
export const KUBO_INIT_SH = `#!/bin/sh
set -e
ipfs config --json Bootstrap '[]'
ipfs config --json Discovery.MDNS.Enabled false
ipfs config Routing.Type none
ipfs config --json AutoConf.Enabled false
ipfs config --json Swarm.DisableNatPortMap true
ipfs config --json Swarm.RelayClient.Enabled false
ipfs config --json Swarm.RelayService.Enabled false
`;
