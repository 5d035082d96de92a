"""node-api/test_async/test-loop.js: 500 async work items queued one after another (each from
the previous one's completion, via setImmediate), each completing with status 0.

The driver queues the next item once the previous completion reached Python."""

from __future__ import annotations

import threading

TIMEOUT = 30
ITERATIONS = 500


def test_repeated_work(node_addon):
    test_async = node_addon("node-api", "test_async")
    statuses = []
    done = threading.Event()

    def work_done(status):
        statuses.append(status)
        done.set()

    for i in range(ITERATIONS):
        done.clear()
        test_async.DoRepeatedWork(work_done)
        assert done.wait(TIMEOUT), f"iteration {i} did not complete"
        assert statuses[-1] == 0
    assert len(statuses) == ITERATIONS  # common.mustCall(..., iterations)
