/* Node-API chapters "Simple asynchronous operations", "Custom asynchronous operations" and
 * the asynchronous cleanup hooks (tests/napi/test_async_work.py). Every observation is kept in C
 * and read back with synchronous getters, so no JS callback runs from `complete`.
 *
 * Work items live in numbered slots. A "gate" holds `execute` callbacks until it is opened,
 * which makes the pool's concurrency and the queued/running distinction observable. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "detached_thread.h"

#define SLOTS 64

typedef struct {
  napi_async_work work;
  int gated;             /* execute waits for the gate */
  int throw_in_complete; /* complete throws (an uncaught exception) */
  atomic_int executed;   /* execute ran */
  atomic_int off_main;   /* ... on a thread other than the JS thread */
  int completed;         /* times complete ran */
  int status;            /* the status complete got */
  char marker[256];      /* complete writes "complete <status>" here when set */
} Slot;

static Slot slots[SLOTS];
static pthread_t js_thread;
static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open = 1;
static atomic_int running_now;
static atomic_int running_max;

static void Execute(napi_env env, void* data) {
  (void)env;
  Slot* s = data;
  int now = atomic_fetch_add(&running_now, 1) + 1;
  int max = atomic_load(&running_max);
  while (now > max && !atomic_compare_exchange_weak(&running_max, &max, now)) {
  }
  atomic_store(&s->off_main, !pthread_equal(pthread_self(), js_thread));
  if (s->gated) {
    pthread_mutex_lock(&gate_mutex);
    while (!gate_open) pthread_cond_wait(&gate_cond, &gate_mutex);
    pthread_mutex_unlock(&gate_mutex);
  }
  atomic_store(&s->executed, 1);
  atomic_fetch_sub(&running_now, 1);
}

static void Complete(napi_env env, napi_status status, void* data) {
  Slot* s = data;
  s->completed++;
  s->status = (int)status;
  if (s->marker[0]) {
    FILE* f = fopen(s->marker, "w");
    if (f) {
      fprintf(f, "complete %d\n", (int)status);
      fclose(f);
    }
  }
  if (s->throw_in_complete) {
    napi_throw_error(env, NULL, "thrown by complete");
  }
}

static Slot* slot_arg(napi_env env, napi_value v) {
  int32_t id;
  if (!get_int32(env, v, &id)) return NULL;
  if (id < 0 || id >= SLOTS) {
    napi_throw_range_error(env, NULL, "slot out of range");
    return NULL;
  }
  return &slots[id];
}

/* queue(slot, gated, throwInComplete, markerPath|undefined) -> status of napi_queue_async_work */
static napi_value Queue(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, NULL)) return NULL;
  Slot* s = slot_arg(env, argv[0]);
  if (s == NULL) return NULL;
  bool gated, throws;
  NODE_API_CALL(env, napi_get_value_bool(env, argv[1], &gated));
  NODE_API_CALL(env, napi_get_value_bool(env, argv[2], &throws));
  memset(s, 0, sizeof *s);
  s->gated = gated;
  s->throw_in_complete = throws;
  napi_valuetype t;
  NODE_API_CALL(env, napi_typeof(env, argv[3], &t));
  if (t == napi_string && !get_utf8(env, argv[3], s->marker, sizeof s->marker)) return NULL;
  napi_value name = make_string(env, "napi-python:async-work-test");
  NODE_API_CALL(env, napi_create_async_work(env, NULL, name, Execute, Complete, s, &s->work));
  return make_status(env, napi_queue_async_work(env, s->work));
}

static napi_value Cancel(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Slot* s = slot_arg(env, argv[0]);
  if (s == NULL) return NULL;
  return make_status(env, napi_cancel_async_work(env, s->work));
}

/* cancelTwice(slot) -> both statuses, within one turn of the loop (before the completion of the
 * first cancel can run). */
static napi_value CancelTwice(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Slot* s = slot_arg(env, argv[0]);
  if (s == NULL) return NULL;
  napi_value items[2];
  items[0] = make_status(env, napi_cancel_async_work(env, s->work));
  items[1] = make_status(env, napi_cancel_async_work(env, s->work));
  return make_list(env, 2, items);
}

static napi_value Delete(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Slot* s = slot_arg(env, argv[0]);
  if (s == NULL) return NULL;
  napi_status status = napi_delete_async_work(env, s->work);
  s->work = NULL;
  return make_status(env, status);
}

/* state(slot) -> [completed, status, executed, offMain] */
static napi_value State(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Slot* s = slot_arg(env, argv[0]);
  if (s == NULL) return NULL;
  napi_value items[4] = {make_int32(env, s->completed), make_int32(env, s->status),
                         make_bool(env, atomic_load(&s->executed)),
                         make_bool(env, atomic_load(&s->off_main))};
  return make_list(env, 4, items);
}

static napi_value SetGate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  bool open;
  NODE_API_CALL(env, napi_get_value_bool(env, argv[0], &open));
  pthread_mutex_lock(&gate_mutex);
  gate_open = open;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_mutex);
  return make_undefined(env);
}

/* concurrency() -> [running now, most at once] */
static napi_value Concurrency(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value items[2] = {make_int32(env, atomic_load(&running_now)),
                         make_int32(env, atomic_load(&running_max))};
  return make_list(env, 2, items);
}

static void Nothing(napi_env env, void* data) {
  (void)env;
  (void)data;
}

/* Statuses of misuse, in order; see the test for what each one is. */
static napi_value CreateStatuses(napi_env env, napi_callback_info info) {
  napi_value argv[1]; /* a Symbol */
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_value name = make_string(env, "name");
  napi_value number = make_int32(env, 5);
  napi_value null_value;
  NODE_API_CALL(env, napi_get_null(env, &null_value));
  napi_async_work w = NULL;
  napi_value st[9];
  int n = 0;
  st[n++] = make_status(env, napi_create_async_work(env, NULL, name, NULL, NULL, NULL, &w));
  st[n++] = make_status(env, napi_create_async_work(env, NULL, name, Nothing, NULL, NULL, NULL));
  st[n++] = make_status(env, napi_create_async_work(env, NULL, NULL, Nothing, NULL, NULL, &w));
  /* A primitive resource is converted to an object. */
  napi_status ok = napi_create_async_work(env, number, name, Nothing, NULL, NULL, &w);
  st[n++] = make_status(env, ok);
  if (ok == napi_ok) {
    /* Never queued: uv_cancel refuses it as an invalid request. */
    st[n++] = make_status(env, napi_cancel_async_work(env, w));
    st[n++] = make_status(env, napi_delete_async_work(env, w));
  }
  st[n++] = make_status(env, napi_queue_async_work(env, NULL));
  st[n++] = make_status(env, napi_cancel_async_work(env, NULL));
  st[n++] = make_status(env, napi_delete_async_work(env, NULL));
  return make_list(env, n, st);
}

/* createWith(resource, name): creates (and deletes) a work item; a null resource or a Symbol name
 * makes the create throw (V8's conversion error; Node-API answers napi_object_expected /
 * napi_string_expected). */
static napi_value CreateWith(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  napi_async_work w = NULL;
  napi_status status = napi_create_async_work(env, argv[0], argv[1], Nothing, NULL, NULL, &w);
  if (status == napi_ok) napi_delete_async_work(env, w);
  return make_status(env, status);
}

/* ---- custom asynchronous operations ---- */

/* makeCallback(recv, fn, ...args) through an async context, as addons that emit events do. */
static napi_value MakeCallback(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  NODE_API_ASSERT(env, argc >= 2, "makeCallback(recv, fn, ...args)");
  napi_async_context context;
  NODE_API_CALL(env, napi_async_init(env, NULL, make_string(env, "napi-python:make-callback"), &context));
  napi_value result = NULL;
  napi_status status = napi_make_callback(env, context, argv[0], argv[1], argc - 2, argv + 2, &result);
  NODE_API_CALL(env, napi_async_destroy(env, context));
  NODE_API_CALL(env, status);
  return result;
}

/* callInScope(resource, fn): opens a callback scope around napi_call_function. */
static napi_value CallInScope(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  napi_async_context context;
  napi_callback_scope scope;
  NODE_API_CALL(env, napi_async_init(env, argv[0], make_string(env, "napi-python:scope"), &context));
  NODE_API_CALL(env, napi_open_callback_scope(env, argv[0], context, &scope));
  napi_value result = NULL;
  napi_status status = napi_call_function(env, argv[0], argv[1], 0, NULL, &result);
  NODE_API_CALL(env, napi_close_callback_scope(env, scope));
  NODE_API_CALL(env, napi_async_destroy(env, context));
  NODE_API_CALL(env, status);
  return result;
}

static napi_value CustomStatuses(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value name = make_string(env, "name");
  napi_value object;
  NODE_API_CALL(env, napi_create_object(env, &object));
  napi_async_context context;
  napi_callback_scope scope;
  napi_value result;
  napi_value st[7];
  st[0] = make_status(env, napi_async_init(env, NULL, NULL, &context));
  st[1] = make_status(env, napi_async_init(env, NULL, name, NULL));
  st[2] = make_status(env, napi_async_destroy(env, NULL));
  st[3] = make_status(env, napi_open_callback_scope(env, object, NULL, NULL));
  /* Closing a scope when none is open. */
  NODE_API_CALL(env, napi_async_init(env, object, name, &context));
  NODE_API_CALL(env, napi_open_callback_scope(env, object, context, &scope));
  NODE_API_CALL(env, napi_close_callback_scope(env, scope));
  st[4] = make_status(env, napi_close_callback_scope(env, scope));
  st[5] = make_status(env, napi_make_callback(env, context, NULL, object, 0, NULL, &result));
  st[6] = make_status(env, napi_make_callback(env, context, object, object, 0, NULL, &result));
  NODE_API_CALL(env, napi_async_destroy(env, context));
  return make_list(env, 7, st);
}

/* ---- asynchronous cleanup hooks ---- */

typedef struct {
  napi_async_cleanup_hook_handle handle;
  char path[256];
} HookState;

static void* FinishHookLater(void* arg) {
  HookState* h = arg;
  usleep(100 * 1000); /* the removal really is later, from another thread */
  FILE* f = fopen(h->path, "a");
  if (f) {
    fputs("async hook done\n", f);
    fclose(f);
  }
  napi_remove_async_cleanup_hook(h->handle);
  free(h);
  return NULL;
}

static void AsyncHook(napi_async_cleanup_hook_handle handle, void* arg) {
  HookState* h = arg;
  h->handle = handle;
  FILE* f = fopen(h->path, "a");
  if (f) {
    fputs("async hook called\n", f);
    fclose(f);
  }
  start_detached(FinishHookLater, h);
}

static void NeverCalledHook(napi_async_cleanup_hook_handle handle, void* arg) {
  (void)handle;
  HookState* h = arg;
  FILE* f = fopen(h->path, "a");
  if (f) {
    fputs("removed hook called\n", f);
    fclose(f);
  }
}

/* addAsyncCleanupHook(path): a hook that finishes 100 ms later from its own thread; and one
 * removed at once, which must never run. Returns the statuses of add, add, remove, remove(NULL). */
static napi_value AddAsyncCleanupHook(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  HookState* h = calloc(1, sizeof *h);
  HookState* removed = calloc(1, sizeof *removed);
  if (!get_utf8(env, argv[0], h->path, sizeof h->path)) return NULL;
  memcpy(removed->path, h->path, sizeof h->path);
  napi_value st[5];
  st[0] = make_status(env, napi_add_async_cleanup_hook(env, AsyncHook, h, NULL));
  st[1] = make_status(env, napi_add_async_cleanup_hook(env, NeverCalledHook, removed, &removed->handle));
  st[2] = make_status(env, napi_remove_async_cleanup_hook(removed->handle));
  st[3] = make_status(env, napi_remove_async_cleanup_hook(NULL));
  st[4] = make_status(env, napi_add_async_cleanup_hook(env, NULL, NULL, NULL));
  return make_list(env, 5, st);
}

static napi_value UvLoop(napi_env env, napi_callback_info info) {
  (void)info;
  struct uv_loop_s* loop = NULL;
  return make_status(env, napi_get_uv_event_loop(env, &loop));
}

NAPI_MODULE_INIT() {
  js_thread = pthread_self();
  napi_property_descriptor descs[] = {
      DECLARE_METHOD("queue", Queue),
      DECLARE_METHOD("cancel", Cancel),
      DECLARE_METHOD("delete", Delete),
      DECLARE_METHOD("cancelTwice", CancelTwice),
      DECLARE_METHOD("state", State),
      DECLARE_METHOD("setGate", SetGate),
      DECLARE_METHOD("concurrency", Concurrency),
      DECLARE_METHOD("createStatuses", CreateStatuses),
      DECLARE_METHOD("createWith", CreateWith),
      DECLARE_METHOD("makeCallback", MakeCallback),
      DECLARE_METHOD("callInScope", CallInScope),
      DECLARE_METHOD("customStatuses", CustomStatuses),
      DECLARE_METHOD("addAsyncCleanupHook", AddAsyncCleanupHook),
      DECLARE_METHOD("uvLoopStatus", UvLoop),
  };
  return EXPORT_METHODS(env, exports, descs);
}
