#!/usr/bin/env bash
# Builds every test addon into build/addons/<name>.node:
#   addons/c/<name>.c      -> build/addons/<name>.node   (C, Node-API symbols left undefined)
#   addons/rust (napi-rs)   -> build/addons/rust_addon.node
# Node-API symbols stay undefined in each .node file: the host (or node) provides them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/build/addons"
mkdir -p "$out"
node_headers=${NODE_HEADERS:-/usr/include/node}
for src in "$root"/addons/c/*.c; do
  name=$(basename "$src" .c)
  dst="$out/$name.node"
  if [[ ! -f $dst || $src -nt $dst || -n $(find "$root/addons/c" -name "*.h" -newer "$dst") ]]; then
    gcc -std=gnu11 -O1 -g -fPIC -shared -Wall -Werror=implicit-function-declaration \
      -I"$node_headers" -I"$root/addons/c" -o "$dst" "$src"
  fi
done
if [[ -z ${SKIP_RUST_ADDON:-} ]]; then
  cargo build --quiet --release -p napi-test-addon --manifest-path "$root/Cargo.toml"
  cp "$root/target/release/libnapi_test_addon.so" "$out/rust_addon.node"
  # The same addon built as for a current node (its `versioned` feature), in a target folder of
  # its own so that neither build undoes the other's.
  cargo build --quiet --release -p napi-test-addon --features versioned --target-dir "$root/target/versioned" \
    --manifest-path "$root/Cargo.toml"
  cp "$root/target/versioned/release/libnapi_test_addon.so" "$out/rust_addon_versioned.node"
fi
