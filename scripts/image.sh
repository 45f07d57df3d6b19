#!/usr/bin/env bash
# `npm run image`: builds the project's OCI image with podman, offline of any
# image registry: the base is Debian bookworm (minbase) made by debootstrap
# from Debian's packages and imported as a local image (cached under a tag
# keyed by its recipe, so a rebuild reuses it), then a Containerfile adds
# Node 24 (the `node` npm package's binary), the app (bin/, src/, the
# production node_modules and tsx), CometBFT and Kubo (.tools/bin), a
# non-root user and `r3mes` as the entrypoint. Prints the image's size.
#   R3MES_IMAGE        tag to build (default localhost/r3mes:latest)
#   R3MES_DEBIAN_MIRROR  debootstrap's mirror (default: debootstrap's own)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${R3MES_IMAGE:-localhost/r3mes:latest}"
SUITE=bookworm
# Beyond minbase: the system libsecp256k1 the node verifies signatures with (src/node/secp256k1.ts).
BASE_PACKAGES=libsecp256k1-1
# The base's recipe: change it and the tag (hence a fresh debootstrap) changes with it.
BASE_RECIPE="debootstrap --variant=minbase --include=$BASE_PACKAGES $SUITE; prune docs,man,locales,apt lists; v1"
BASE_TAG="localhost/r3mes-base:$SUITE-$(printf '%s' "$BASE_RECIPE" | sha256sum | cut -c1-12)"

command -v podman >/dev/null || { echo "image: podman is not installed (apt-get install -y podman runc)" >&2; exit 1; }
[ -x .tools/bin/cometbft ] && [ -x .tools/bin/ipfs ] || bash scripts/setup-tools.sh >&2

if podman image exists "$BASE_TAG"; then
  echo "image: base $BASE_TAG already built"
else
  command -v debootstrap >/dev/null || { echo "image: debootstrap is not installed (apt-get install -y debootstrap)" >&2; exit 1; }
  rootfs="$(mktemp -d /var/tmp/r3mes-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "image: debootstrap --variant=minbase --include=$BASE_PACKAGES $SUITE (about 1.5 minutes)"
  debootstrap --variant=minbase --include="$BASE_PACKAGES" "$SUITE" "$rootfs" ${R3MES_DEBIAN_MIRROR:+"$R3MES_DEBIAN_MIRROR"} >/dev/null
  rm -rf "$rootfs"/usr/share/{doc,man,info,locale}/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*
  tar -C "$rootfs" --numeric-owner -c . | podman import - "$BASE_TAG" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  echo "image: base $BASE_TAG imported"
fi

# The build context (out/ is gitignored): the Containerfile, node, the app tree.
ctx="out/image-context"
rm -rf "$ctx"
commit="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
dirty="$(git status --porcelain 2>/dev/null | grep -q . && echo true || echo false)"
node_modules/.bin/tsx scripts/image-context.ts "$ctx" --base "$BASE_TAG" --commit "$commit" --dirty "$dirty"
echo "image: building $IMAGE from $ctx"
podman build --quiet --layers=false -t "$IMAGE" -f "$ctx/Containerfile" "$ctx" >/dev/null
size="$(podman image inspect "$IMAGE" --format '{{.Size}}')"
note=""; [ "$dirty" = true ] && note=" + uncommitted changes"
echo "image: $IMAGE built ($((size / 1024 / 1024)) MiB, commit $commit$note)"
