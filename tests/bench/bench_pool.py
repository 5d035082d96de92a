"""AddonPool against one host: bcrypt hashes (`@node-rs/bcrypt`'s hashSync, cost 10) made from as
many Python threads as the pool has members, measured side by side in one run. Goal (issue 7):
with two cores, a pool of two hashes at least 1.7x as fast as one host.

    .venv/bin/python tests/bench/bench_pool.py [--size N] [--hashes H] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_real_addons import BCRYPT  # noqa: E402

from napi_python import AddonPool, load_addon  # noqa: E402

COST = 10


def hashes_per_second(hash_one, threads: int, per_thread: int) -> float:
    """Runs `hash_one` `per_thread` times on each of `threads` threads; answers hashes/s."""
    results: list[str] = []

    def work() -> None:
        for i in range(per_thread):
            results.append(hash_one(f"password {i}"))

    ts = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.perf_counter() - start
    assert len(results) == threads * per_thread and all(r.startswith("$2b$10$") for r in results)
    return len(results) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--hashes", type=int, default=8, help="hashes per thread per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    single = load_addon(BCRYPT)
    pool = AddonPool(BCRYPT, size=args.size)
    one_rates, pool_rates = [], []
    for _ in range(args.rounds):
        one_rates.append(
            hashes_per_second(lambda p: single.hashSync(p, COST, None, None, False), args.size, args.hashes)
        )
        pool_rates.append(
            hashes_per_second(lambda p: pool.hashSync(p, COST, None, None, False), args.size, args.hashes)
        )
    one, many = statistics.median(one_rates), statistics.median(pool_rates)
    ratio = many / one
    print(
        f"bcrypt hashSync cost {COST} from {args.size} threads (hashes/s, medians of {args.rounds} rounds; {os.cpu_count()} CPUs):"
    )
    print(f"  one host           {one:8.1f}")
    print(
        f"  AddonPool(size={args.size}) {many:8.1f}   {ratio:.2f}x  goal >= 1.7x with two cores  {'PASS' if ratio >= 1.7 else 'MISS'}"
    )
    pool.close()
    single.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
