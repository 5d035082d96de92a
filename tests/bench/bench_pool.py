"""Scaling bcrypt out: `@node-rs/bcrypt`'s hashSync at cost 10 over the same passwords
with one host, `AddonPool(size=N)` (its `map`), a Dask `LocalCluster` of N worker processes, Ray
with N CPUs, and node's own `worker_threads` (N workers) doing the same, measured side by side in
one run. Goal: each parallel form at least 1.7x one host with two cores.

    .venv/bin/python tests/bench/bench_pool.py [--workers N] [--passwords P] [--only one,pool,dask,ray,node]

Dask and Ray rows are left out (saying why) where the package is not installed. Each row's
time is one pass over the passwords after a warm-up (cluster start and addon loads are not
counted).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "packages"))

from report import node  # noqa: E402
from test_real_addons import BCRYPT  # noqa: E402

from napi_python import AddonPool, load_addon  # noqa: E402

COST = 10
# hashSync's arguments after the password, as the package's JS wrapper passes them (the binary
# wants them all): cost, salt, version, and the bool saying a salt was not given.
REST = (COST, None, None, False)
FORMS = ("one", "pool", "dask", "ray", "node")


def columns(passwords: list[str]) -> list[list[object]]:
    """REST as one column per argument, for the map functions."""
    return [[a] * len(passwords) for a in REST]


def timed(run: Callable[[list[str]], list[str]], passwords: list[str]) -> float:
    """Seconds `run` takes to hash `passwords`, after hashing a few to warm up."""
    run(passwords[:4])
    start = time.perf_counter()
    hashes = run(passwords)
    elapsed = time.perf_counter() - start
    assert len(hashes) == len(passwords) and all(h.startswith("$2b$10$") for h in hashes)
    return elapsed


def one_host(passwords: list[str], workers: int) -> float:
    with load_addon(BCRYPT) as bcrypt:
        return timed(lambda ps: [bcrypt.hashSync(p, *REST) for p in ps], passwords)


def addon_pool(passwords: list[str], workers: int) -> float:
    with AddonPool(BCRYPT, size=workers) as pool:
        return timed(lambda ps: list(pool.map("hashSync", ps, *columns(ps))), passwords)


def dask_cluster(passwords: list[str], workers: int) -> float:
    from distributed import Client, LocalCluster

    from napi_python.dask import AddonPlugin, export

    with (
        load_addon(BCRYPT) as bcrypt,
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(AddonPlugin(bcrypt, name="bcrypt"))
        task = export("bcrypt", "hashSync")
        return timed(lambda ps: client.gather(client.map(task, ps, *columns(ps), pure=False)), passwords)


def ray_tasks(passwords: list[str], workers: int) -> float:
    import ray

    from napi_python.ray import per_process

    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        with load_addon(BCRYPT) as loaded:
            bcrypt = per_process(loaded)

            @ray.remote
            def hash_one(password: str) -> str:
                return bcrypt().hashSync(password, *REST)

            return timed(lambda ps: ray.get([hash_one.remote(p) for p in ps]), passwords)
    finally:
        ray.shutdown()


# Node: `workers` worker_threads, each loading the same binary and hashing its share.
NODE_WORKER = r"""
const { parentPort, workerData } = require("worker_threads");
const bcrypt = require(workerData.binary);
for (const p of workerData.share) {
  if (!bcrypt.hashSync(p, workerData.cost, undefined, undefined, false).startsWith("$2b$10$")) throw new Error("bad hash");
}
parentPort.postMessage(workerData.share.length);
"""
NODE_MAIN = r"""
const { Worker } = require("worker_threads");
const [worker, binary, cost, workers, passwords] = JSON.parse(process.argv[1]);
const run = (ps) => new Promise((resolve, reject) => {
  let left = workers, count = 0;
  for (let w = 0; w < workers; w++) {
    const share = ps.filter((_, i) => i % workers === w);
    const t = new Worker(worker, { eval: true, workerData: { binary, cost, share } });
    t.once("message", (n) => { count += n; if (--left === 0) resolve(count); });
    t.once("error", reject);
  }
});
run(passwords.slice(0, 4)).then(async () => {
  const start = process.hrtime.bigint();
  const n = await run(passwords);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (n !== passwords.length) throw new Error(`hashed ${n} of ${passwords.length}`);
  console.log(JSON.stringify(seconds));
});
"""


def node_threads(passwords: list[str], workers: int) -> float:
    """Includes each run's worker start-up, as a node program spreading one batch would."""
    args = json.dumps([NODE_WORKER, str(BCRYPT), COST, workers, passwords])
    out = subprocess.run([node(), "-e", NODE_MAIN, args], capture_output=True, text=True, timeout=3600, check=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="hosts, workers or CPUs of each parallel form")
    parser.add_argument("--passwords", type=int, default=2000)
    parser.add_argument("--only", default=",".join(FORMS), help=f"comma-separated subset of {','.join(FORMS)}")
    args = parser.parse_args()
    passwords = [f"password {i}" for i in range(args.passwords)]
    n = args.workers
    forms = {
        "one": ("one host", one_host),
        "pool": (f"AddonPool(size={n}).map", addon_pool),
        "dask": (f"Dask LocalCluster({n} workers)", dask_cluster),
        "ray": (f"Ray tasks (num_cpus={n})", ray_tasks),
        "node": (f"node worker_threads ({n})", node_threads),
    }
    chosen = args.only.split(",")
    unknown = set(chosen) - set(FORMS)
    if unknown:
        parser.error(f"unknown forms {', '.join(sorted(unknown))} (choose from {', '.join(FORMS)})")
    print(f"bcrypt hashSync cost {COST} over {len(passwords)} passwords ({os.cpu_count()} CPUs):")
    print(f"  {'form':34} {'hashes/s':>9} {'vs one host':>12}")
    base = None
    for key in FORMS:
        if key not in chosen:
            continue
        label, run = forms[key]
        try:
            seconds = run(passwords, n)
        except ImportError as e:
            print(f"  {label:34} {'skipped':>9}  ({e.name} is not installed)")
            continue
        rate = len(passwords) / seconds
        if key == "one":
            base = rate
        ratio = f"{rate / base:11.2f}x" if base else f"{'':12}"
        goal = "" if key == "one" or base is None else ("  PASS" if rate / base >= 1.7 else "  MISS (goal >= 1.7x)")
        print(f"  {label:34} {rate:9.1f} {ratio}{goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
