/* Asynchronous cleanup hooks that finish on the libuv loop: RocksDB's hook closes its
 * database with work on libuv's threadpool and removes itself in that work's completion, which
 * runs on the loop. Teardown must keep the loop running until the hook has removed itself, as
 * node does, and still end when a hook never does. tests/isolation/test_exit.py runs each under node and
 * through napi_python and compares the logs.
 *
 * holdOpen(how, path) registers one hook; at teardown it appends "hook called (how)" to the file
 * at `path`, and, once the loop ran what it waits for, "hook done (how)" before it removes
 * itself. How it finishes:
 *   "work"   a uv_queue_work item; its completion (on the loop) removes the hook (RocksDB's way);
 *   "async"  a thread of its own wakes the loop with uv_async_send; the async handle's close
 *            callback removes the hook;
 *   "timer"  a 1 ms uv timer; the timer's close callback removes the hook;
 *   "never"  the hook never removes itself (node waits for ever; the host gives up).
 * Each uses the env's loop (napi_get_uv_event_loop).
 * The instance data's finalizer appends "instance data": teardown went on after the hooks. */
#include "common.h"

#include <stdlib.h>
#include <uv.h>

typedef struct {
  napi_async_cleanup_hook_handle handle;
  char path[256];
  char how[16];
  uv_work_t work;
  uv_async_t async;
  uv_timer_t timer;
  uv_thread_t thread;
  uv_loop_t* loop;
} Closing;

static void note(const char* path, const char* what, const char* how) {
  FILE* f = fopen(path, "a");
  if (f == NULL) return;
  if (how != NULL) {
    fprintf(f, "%s (%s)\n", what, how);
  } else {
    fprintf(f, "%s\n", what);
  }
  fclose(f);
}

/* The end of every way: logged, the hook removed, its state freed. */
static void finish(Closing* c) {
  note(c->path, "hook done", c->how);
  napi_remove_async_cleanup_hook(c->handle);
  free(c);
}

static void close_work(uv_work_t* req) {
  /* What RocksDB's close does on the pool: work the loop only hears of when it completes. */
  Closing* c = req->data;
  note(c->path, "work ran", c->how);
}

static void work_closed(uv_work_t* req, int status) {
  (void)status;
  finish(req->data);
}

static void handle_closed(uv_handle_t* handle) {
  finish(handle->data);
}

static void woken(uv_async_t* async) {
  uv_close((uv_handle_t*)async, handle_closed);
}

static void wake_loop(void* arg) {
  Closing* c = arg;
  uv_async_send(&c->async);
}

static void timer_fired(uv_timer_t* timer) {
  uv_close((uv_handle_t*)timer, handle_closed);
}

static void hook(napi_async_cleanup_hook_handle handle, void* arg) {
  Closing* c = arg;
  c->handle = handle;
  note(c->path, "hook called", c->how);
  uv_loop_t* loop = c->loop;
  if (strcmp(c->how, "work") == 0) {
    c->work.data = c;
    uv_queue_work(loop, &c->work, close_work, work_closed);
  } else if (strcmp(c->how, "async") == 0) {
    c->async.data = c;
    uv_async_init(loop, &c->async, woken);
    uv_thread_create(&c->thread, wake_loop, c);
  } else if (strcmp(c->how, "timer") == 0) {
    c->timer.data = c;
    uv_timer_init(loop, &c->timer);
    uv_timer_start(&c->timer, timer_fired, 1, 0);
  }
  /* "never": nothing will remove it. */
}

static void instance_data_finalized(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  note(data, "instance data", NULL);
  free(data);
}

static napi_value HoldOpen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  Closing* c = calloc(1, sizeof *c);
  char* path = calloc(1, sizeof c->path);
  if (!get_utf8(env, argv[0], c->how, sizeof c->how) || !get_utf8(env, argv[1], c->path, sizeof c->path)) {
    free(c);
    free(path);
    return NULL;
  }
  memcpy(path, c->path, sizeof c->path);
  NODE_API_CALL(env, napi_get_uv_event_loop(env, (struct uv_loop_s**)&c->loop));
  NODE_API_CALL(env, napi_add_async_cleanup_hook(env, hook, c, NULL));
  NODE_API_CALL(env, napi_set_instance_data(env, path, instance_data_finalized, NULL));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor descs[] = {DECLARE_METHOD("holdOpen", HoldOpen)};
  return EXPORT_METHODS(env, exports, descs);
}
