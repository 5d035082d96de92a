#!/usr/bin/env bash
# Before and after of two commits, in one run (docs/performance.md, Method): each commit's release
# wheel built in a worktree of its own with a target directory of its own (cargo does not key a
# path crate's artifacts by its path: two checkouts sharing one target dir would link each
# other's crates), unpacked twice, then the benchmarks run against each copy by PYTHONPATH, the
# builds taking turns, with the load before and after each run.
#
#   tests/bench/bench_ab_wheels.sh build BASE NEW   worktrees, wheels and copies under $AB_DIR
#   tests/bench/bench_ab_wheels.sh run [STEP...]    instructions, isolated, ab, rust (default: all)
#   tests/bench/bench_ab_wheels.sh clean            the worktrees and $AB_DIR removed
#
# AB_DIR defaults to /tmp/napi-ab; `run` prints to stdout and adds to $AB_DIR/run.log. PAIRS=1
# runs each step once per build (base, new) instead of twice (base, new, base, new): instruction
# counts but the relayed op's are the same from run to run.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
ab=${AB_DIR:-/tmp/napi-ab}
py=$root/.venv/bin/python

load() { echo "   load: $(uptime | sed 's/.*load average: //') ($(date -u +%H:%M:%S) UTC)"; }

# build_one NAME COMMIT: $ab/NAME (worktree), $ab/NAME-1 and $ab/NAME-2 (the unpacked wheel twice).
build_one() {
  local name=$1 commit=$2
  # A worktree at that commit already is kept: new files' times would make cargo build it all again.
  if [[ $(git -C "$ab/$name" rev-parse HEAD 2>/dev/null) != $(git -C "$root" rev-parse "$commit^{commit}") ]]; then
    rm -rf "${ab:?}/$name" && git -C "$root" worktree prune
    git -C "$root" worktree add --detach "$ab/$name" "$commit" >/dev/null
  fi
  echo "$name: $(git -C "$ab/$name" log -1 --format='%h %s' | cut -c1-80)"
  (cd "$ab/$name/client-py" && CARGO_TARGET_DIR="$ab/target-$name" "$root/.venv/bin/maturin" build --release \
    -i "$py" -o "$ab/wheels-$name")
  local copy
  for copy in "$ab/$name-1" "$ab/$name-2"; do
    rm -rf "$copy" && mkdir -p "$copy"
    "$py" -m zipfile -e "$ab/wheels-$name"/napi_python-*.whl "$copy"
    chmod +x "$copy/napi_python/bin/napi-hostd"
  done
}

# each COMMAND...: COMMAND against base, new, base, new (the second copy of each the second time).
each() {
  local round name
  for ((round = 1; round <= ${PAIRS:-2}; round++)); do
    for name in base new; do
      echo "== $name (copy $round): $*"
      load
      PYTHONPATH="$ab/$name-$round" "$@"
    done
  done
  load
}

run() {
  cd "$root"
  local steps=("$@") step
  ((${#steps[@]})) || steps=(instructions isolated ab rust)
  for step in "${steps[@]}"; do
    case $step in
      instructions) each "$py" tests/bench/bench_instructions.py noop add bytes callback object16 rust_callback ;;
      isolated) each "$py" tests/bench/bench_instructions.py --isolated noop callback ;;
      ab)
        echo "== bench_ab.py, ROUNDS=20, copies taking turns"
        load
        ROUNDS=20 "$py" tests/bench/bench_ab.py \
          "base=$ab/base-1,new=$ab/new-1,base2=$ab/base-2,new2=$ab/new-2" inprocess,isolated
        load
        ;;
      rust) each "$py" tests/bench/bench_rust.py --rounds 3 ;;
      *)
        echo "unknown step $step: instructions, isolated, ab or rust" >&2
        exit 2
        ;;
    esac
  done
}

case ${1:-} in
  build)
    (($# == 3)) || { echo "usage: $0 build BASE NEW" >&2 && exit 2; }
    mkdir -p "$ab"
    build_one base "$2"
    build_one new "$3"
    ;;
  run)
    shift
    [[ -d $ab/base-1 && -d $ab/new-1 ]] || { echo "nothing built in $ab: $0 build BASE NEW first" >&2 && exit 2; }
    run "$@" 2>&1 | tee -a "$ab/run.log"
    ;;
  clean)
    for name in base new; do
      [[ ! -d $ab/$name ]] || git -C "$root" worktree remove --force "$ab/$name"
    done
    rm -rf "$ab"
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
