/* The addon the async benchmark drives: a Promise-returning add on async work (and an echo, for
 * tests of settled values), and a native thread that streams calls through a threadsafe
 * function. */
#include <stdlib.h>

#include "common.h"
#include "detached_thread.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  double a, b, sum;
} AddJob;

static void AddExecute(napi_env env, void* data) {
  (void)env;
  AddJob* job = data;
  job->sum = job->a + job->b;
}

static void AddComplete(napi_env env, napi_status status, void* data) {
  AddJob* job = data;
  napi_value result;
  if (status == napi_ok && napi_create_double(env, job->sum, &result) == napi_ok) {
    napi_resolve_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

/* asyncAdd(a, b) -> Promise<a + b>, computed on the worker pool */
static napi_value AsyncAdd(napi_env env, napi_callback_info info) {
  napi_value argv[2], promise, name;
  AddJob* job = calloc(1, sizeof *job);
  if (!get_args(env, info, 2, argv, NULL) || !get_double(env, argv[0], &job->a) || !get_double(env, argv[1], &job->b)) {
    free(job);
    return NULL;
  }
  NODE_API_CALL(env, napi_create_promise(env, &job->deferred, &promise));
  NODE_API_CALL(env, napi_create_string_utf8(env, "asyncAdd", NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_async_work(env, NULL, name, AddExecute, AddComplete, job, &job->work));
  NODE_API_CALL(env, napi_queue_async_work(env, job->work));
  return promise;
}

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref value;
} EchoJob;

static void EchoExecute(napi_env env, void* data) {
  (void)env;
  (void)data;
}

static void EchoComplete(napi_env env, napi_status status, void* data) {
  EchoJob* job = data;
  napi_value value;
  if (status == napi_ok && napi_get_reference_value(env, job->value, &value) == napi_ok) {
    napi_resolve_deferred(env, job->deferred, value);
  }
  napi_delete_reference(env, job->value);
  napi_delete_async_work(env, job->work);
  free(job);
}

/* asyncEcho(value) -> Promise<value>, settled once a trip through the worker pool is done */
static napi_value AsyncEcho(napi_env env, napi_callback_info info) {
  napi_value argv[1], promise, name;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  EchoJob* job = calloc(1, sizeof *job);
  NODE_API_CALL(env, napi_create_reference(env, argv[0], 1, &job->value));
  NODE_API_CALL(env, napi_create_promise(env, &job->deferred, &promise));
  NODE_API_CALL(env, napi_create_string_utf8(env, "asyncEcho", NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_async_work(env, NULL, name, EchoExecute, EchoComplete, job, &job->work));
  NODE_API_CALL(env, napi_queue_async_work(env, job->work));
  return promise;
}

typedef struct {
  napi_threadsafe_function tsfn;
  int32_t count;
} Stream;

static void CallJs(napi_env env, napi_value js_callback, void* context, void* data) {
  (void)context;
  intptr_t i = (intptr_t)data;
  napi_value arg, undefined;
  if (env == NULL) return; /* torn down with calls queued */
  if (napi_create_int32(env, (int32_t)i, &arg) != napi_ok || napi_get_undefined(env, &undefined) != napi_ok) return;
  napi_call_function(env, undefined, js_callback, 1, &arg, NULL);
}

static void* Produce(void* data) {
  Stream* s = data;
  for (int32_t i = 0; i < s->count; i++) {
    if (napi_call_threadsafe_function(s->tsfn, (void*)(intptr_t)i, napi_tsfn_blocking) != napi_ok) break;
  }
  napi_release_threadsafe_function(s->tsfn, napi_tsfn_release);
  free(s);
  return NULL;
}

/* stream(n, fn): a native thread calls fn(0) .. fn(n - 1) through a threadsafe function */
static napi_value StreamCalls(napi_env env, napi_callback_info info) {
  napi_value argv[2], name;
  Stream* s = calloc(1, sizeof *s);
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[0], &s->count)) {
    free(s);
    return NULL;
  }
  NODE_API_CALL(env, napi_create_string_utf8(env, "stream", NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_threadsafe_function(env, argv[1], NULL, name, 1024, 1, NULL, NULL, NULL, CallJs, &s->tsfn));
  NODE_API_ASSERT(env, start_detached(Produce, s) == 0, "cannot start the producer");
  return make_undefined(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("asyncAdd", AsyncAdd),
      DECLARE_METHOD("asyncEcho", AsyncEcho),
      DECLARE_METHOD("stream", StreamCalls),
  };
  return EXPORT_METHODS(env, exports, methods);
}
