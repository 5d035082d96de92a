"""The JS files of Node 20's and Node 24's Node-API test suites that have no Python driver, and
why (one entry serves both suites where the file is in both).

Each cannot apply to a host without a JavaScript engine or without Node's runtime:

- skip-engine: the file tests JavaScript itself against Node-API (eval, `class extends` a
  native class, `Symbol.hasInstance`): there is no engine to run it.
- skip-runtime: the file tests Node's runtime around Node-API (async_hooks, worker_threads,
  process 'uncaughtException', a libuv loop the addon drives, Node's diagnostic report,
  vm realms, UV_THREADPOOL_SIZE).
- unclassified: not part of the suite that later Node versions keep.

Every other JS file of the suite has a driver (test_suite_coverage.py checks both ways).
"""

from __future__ import annotations

# (suite, dir, file) -> (class, reason)
SKIPPED: dict[tuple[str, str, str], tuple[str, str]] = {
    ("js-native-api", "test_general", "testInstanceOf.js"): (
        "skip-engine",
        "napi_instanceof vs JS instanceof with Symbol.hasInstance and prototype assignment",
    ),
    ("js-native-api", "test_general", "testNapiRun.js"): ("skip-engine", "napi_run_script == eval"),
    ("js-native-api", "test_general", "testV8Instanceof.js"): (
        "skip-engine",
        "V8's mjsunit instanceof tests (JS functions, prototype assignment) through napi_instanceof",
    ),
    ("js-native-api", "test_general", "testV8Instanceof2.js"): (
        "skip-engine",
        "V8's mjsunit instanceof-2 tests (JS functions, prototype assignment) through napi_instanceof",
    ),
    ("js-native-api", "test_new_target", "test.js"): (
        "skip-engine",
        "JS `class X extends NativeClass` + super(); napi_get_new_target from JS subclass",
    ),
    ("node-api", "test_async", "test-async-hooks.js"): ("skip-runtime", "async_hooks events for async work"),
    ("node-api", "test_async", "test-uncaught.js"): (
        "skip-runtime",
        "exception in complete callback -> process 'uncaughtException'",
    ),
    ("node-api", "test_async_cleanup_hook", "test.js"): (
        "skip-runtime",
        "async cleanup hooks driven by uv_async on napi_get_uv_event_loop; Worker",
    ),
    ("node-api", "test_async_context", "test-gcable-callback.js"): ("skip-runtime", "async_hooks + gc"),
    ("node-api", "test_async_context", "test-gcable.js"): ("skip-runtime", "async_hooks + gc"),
    ("node-api", "test_async_context", "test.js"): (
        "skip-runtime",
        "async_hooks init/before/after/destroy from napi_async_init/make_callback",
    ),
    ("node-api", "test_callback_scope", "test-async-hooks.js"): ("skip-runtime", "async_hooks"),
    ("node-api", "test_callback_scope", "test-resolve-async.js"): (
        "skip-runtime",
        "promise resolved inside callback scope from uv timer",
    ),
    ("node-api", "test_fatal", "test_threads_report.js"): ("skip-runtime", "Node diagnostic report content"),
    ("node-api", "test_fatal_exception", "test.js"): (
        "skip-runtime",
        "napi_fatal_exception -> process 'uncaughtException'",
    ),
    ("node-api", "test_make_callback", "test-async-hooks.js"): ("skip-runtime", "async_hooks"),
    ("node-api", "test_make_callback", "test.js"): (
        "skip-runtime",
        "napi_make_callback across vm.createContext realms",
    ),
    ("node-api", "test_make_callback_recurse", "test.js"): (
        "skip-runtime",
        "make_callback recursion vs nextTick/microtask ordering",
    ),
    ("node-api", "test_policy", "test_policy.js"): ("unclassified", "(not in the Node 22 suite)"),
    ("node-api", "test_sea_addon", "test.js"): (
        "skip-runtime",
        "an addon loaded from a single executable application's assets (node --build-sea)",
    ),
    ("node-api", "test_threadsafe_function", "test_legacy_uncaught_exception.js"): (
        "skip-runtime",
        "--no-force-node-api-uncaught-exceptions-policy",
    ),
    ("node-api", "test_threadsafe_function", "test_uncaught_exception.js"): (
        "skip-runtime",
        "exception in call_js_cb -> 'uncaughtException' (experimental policy)",
    ),
    ("node-api", "test_threadsafe_function", "test_uncaught_exception_v9.js"): (
        "skip-runtime",
        "exception in call_js_cb -> 'uncaughtException' (v9)",
    ),
    ("node-api", "test_threadsafe_function", "uncaught_exception.js"): (
        "skip-runtime",
        "helper module of the two files above (not a standalone test)",
    ),
    ("node-api", "test_uv_loop", "test.js"): ("skip-runtime", "uv_check/uv_idle on napi_get_uv_event_loop"),
    ("node-api", "test_uv_threadpool_size", "node-options.js"): (
        "skip-runtime",
        "UV_THREADPOOL_SIZE via NODE_OPTIONS/.env",
    ),
    ("node-api", "test_uv_threadpool_size", "test.js"): (
        "skip-runtime",
        "UV_THREADPOOL_SIZE concurrency of async work",
    ),
    ("node-api", "test_worker_buffer_callback", "test-free-called.js"): ("skip-runtime", "worker_threads"),
    ("node-api", "test_worker_buffer_callback", "test.js"): ("skip-runtime", "worker_threads"),
    ("node-api", "test_worker_terminate", "test.js"): ("skip-runtime", "worker_threads"),
    ("node-api", "test_worker_terminate_finalization", "test.js"): ("skip-runtime", "worker_threads"),
}
