#!/usr/bin/env bash
# Builds every test addon into build/addons/<name>.node:
#   addons/c/<name>.c      -> build/addons/<name>.node   (C, Node-API symbols left undefined)
#   addons/rust (napi-rs)   -> build/addons/rust_addon.node
# Node-API symbols stay undefined in each .node file: the host (or node) provides them.
# For another CPU (scripts/arm64): CC names the C compiler, CARGO_BUILD_TARGET the Rust target
# (cargo reads it), ADDONS_OUT the folder instead of build/addons. ADDONS_SKIP names C addons
# (space-separated) to leave out: those that probe Linux alone, on macOS (scripts/macos).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${ADDONS_OUT:-$root/build/addons}
cc=${CC:-gcc}
target_dir=${CARGO_TARGET_DIR:-$root/target}
# cargo puts a build for a named target in a folder of that name.
built=${CARGO_BUILD_TARGET:+$CARGO_BUILD_TARGET/}release
mkdir -p "$out"
node_headers=${NODE_HEADERS:-/usr/include/node}
for src in "$root"/addons/c/*.c; do
  name=$(basename "$src" .c)
  [[ " ${ADDONS_SKIP:-} " == *" $name "* ]] && continue
  dst="$out/$name.node"
  if [[ ! -f $dst || $src -nt $dst || -n $(find "$root/addons/c" -name "*.h" -newer "$dst") ]]; then
    "$cc" -std=gnu11 -O1 -g -fPIC -shared -Wall -Werror=implicit-function-declaration \
      -I"$node_headers" -I"$root/addons/c" -o "$dst" "$src"
  fi
done
if [[ -z ${SKIP_RUST_ADDON:-} ]]; then
  cargo build --quiet --release -p napi-test-addon --manifest-path "$root/Cargo.toml"
  cp "$target_dir/$built/libnapi_test_addon.so" "$out/rust_addon.node"
  # The same addon built as for a current node (its `versioned` feature), in a target folder of
  # its own so that neither build undoes the other's.
  cargo build --quiet --release -p napi-test-addon --features versioned --target-dir "$target_dir/versioned" \
    --manifest-path "$root/Cargo.toml"
  cp "$target_dir/versioned/$built/libnapi_test_addon.so" "$out/rust_addon_versioned.node"
fi
