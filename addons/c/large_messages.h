/* Messages larger than the rings they cross (tests/isolation/test_large_messages.py): every way a value
 * goes between Python and the host, each able to carry a string of any length. A request and its
 * reply (`echo`, `Echoer.prototype.echo`, `length`, `text`), a call into Python and its answer
 * (`callLength`), an event-turn call into Python (`emitLater`, a threadsafe function called from
 * a thread of the addon's) and a promise's settlement (`resolveLater`, from async work).
 *
 * The body is shared by large_messages.c and large_messages_threaded.c; the second has
 * thread-local storage, so an in-process host keeps its calls on the host thread, where every
 * request and reply crosses the rings. */
#include <pthread.h>
#include <stdlib.h>

#include "common.h"
#include "detached_thread.h"

/* A string of `n` copies of `fill`. */
static napi_value repeated(napi_env env, size_t n, char fill) {
  char* bytes = malloc(n + 1);
  NODE_API_ASSERT(env, bytes != NULL, "malloc");
  memset(bytes, fill, n);
  napi_value result;
  napi_status status = napi_create_string_latin1(env, bytes, n, &result);
  free(bytes);
  NODE_API_CALL(env, status);
  return result;
}

static bool get_size(napi_env env, napi_value value, size_t* out) {
  double n;
  if (!get_double(env, value, &n)) return false;
  *out = (size_t)n;
  return true;
}

/* echo(x) -> x */
static napi_value Echo(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return argv[0];
}

/* new Echoer(); echoer.echo(x) -> x: the same through a method of an object. */
static napi_value EchoerNew(napi_env env, napi_callback_info info) {
  napi_value self;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  return self;
}

/* length(s) -> the length of string s */
static napi_value Length(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t length;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_value_string_utf16(env, argv[0], NULL, 0, &length));
  return make_double(env, (double)length);
}

/* text(n) -> "x" * n */
static napi_value Text(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t n;
  if (!get_args(env, info, 1, argv, NULL) || !get_size(env, argv[0], &n)) return NULL;
  return repeated(env, n, 'x');
}

/* callLength(fn, n) -> the length of fn("c" * n), which must be a string */
static napi_value CallLength(napi_env env, napi_callback_info info) {
  napi_value argv[2], undefined, arg, result;
  size_t n;
  if (!get_args(env, info, 2, argv, NULL) || !get_size(env, argv[1], &n)) return NULL;
  arg = repeated(env, n, 'c');
  if (arg == NULL) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_call_function(env, undefined, argv[0], 1, &arg, &result));
  size_t length;
  NODE_API_CALL(env, napi_get_value_string_utf16(env, result, NULL, 0, &length));
  return make_double(env, (double)length);
}

/* emitLater(fn, n): a thread of the addon's calls fn("e" * n) through a threadsafe function. */
typedef struct {
  napi_threadsafe_function tsfn;
  size_t n;
} Emit;

static void EmitCall(napi_env env, napi_value fn, void* context, void* data) {
  (void)data;
  Emit* e = context;
  if (env == NULL) return;
  napi_value undefined, arg;
  arg = repeated(env, e->n, 'e');
  if (arg == NULL || napi_get_undefined(env, &undefined) != napi_ok) return;
  napi_call_function(env, undefined, fn, 1, &arg, NULL);
}

static void EmitDone(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void* EmitFromThread(void* arg) {
  Emit* e = arg;
  napi_call_threadsafe_function(e->tsfn, NULL, napi_tsfn_blocking);
  napi_release_threadsafe_function(e->tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value EmitLater(napi_env env, napi_callback_info info) {
  napi_value argv[2], name;
  Emit* e = calloc(1, sizeof *e);
  NODE_API_ASSERT(env, e != NULL, "calloc");
  if (!get_args(env, info, 2, argv, NULL) || !get_size(env, argv[1], &e->n)) {
    free(e);
    return NULL;
  }
  NODE_API_CALL(env, napi_create_string_utf8(env, "emitLater", NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, e, EmitDone, e, EmitCall, &e->tsfn));
  NODE_API_ASSERT(env, start_detached(EmitFromThread, e) == 0, "pthread_create");
  return make_undefined(env);
}

/* resolveLater(n) -> a promise that async work resolves with "r" * n */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  size_t n;
} Resolve;

static void ResolveExecute(napi_env env, void* data) {
  (void)env;
  (void)data;
}

static void ResolveComplete(napi_env env, napi_status status, void* data) {
  Resolve* r = data;
  napi_value value = status == napi_ok ? repeated(env, r->n, 'r') : NULL;
  if (value != NULL) {
    napi_resolve_deferred(env, r->deferred, value);
  } else {
    napi_value error = take_exception(env);
    napi_reject_deferred(env, r->deferred, error);
  }
  napi_delete_async_work(env, r->work);
  free(r);
}

static napi_value ResolveLater(napi_env env, napi_callback_info info) {
  napi_value argv[1], name, promise;
  Resolve* r = calloc(1, sizeof *r);
  NODE_API_ASSERT(env, r != NULL, "calloc");
  if (!get_args(env, info, 1, argv, NULL) || !get_size(env, argv[0], &r->n)) {
    free(r);
    return NULL;
  }
  NODE_API_CALL(env, napi_create_promise(env, &r->deferred, &promise));
  NODE_API_CALL(env, napi_create_string_utf8(env, "resolveLater", NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_async_work(env, NULL, name, ResolveExecute, ResolveComplete, r, &r->work));
  NODE_API_CALL(env, napi_queue_async_work(env, r->work));
  return promise;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor echoer_methods[] = {DECLARE_METHOD("echo", Echo)};
  napi_value echoer;
  NODE_API_CALL(env, napi_define_class(env, "Echoer", NAPI_AUTO_LENGTH, EchoerNew, NULL, 1, echoer_methods, &echoer));
  NODE_API_CALL(env, napi_set_named_property(env, exports, "Echoer", echoer));
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("echo", Echo),
      DECLARE_METHOD("length", Length),
      DECLARE_METHOD("text", Text),
      DECLARE_METHOD("callLength", CallLength),
      DECLARE_METHOD("emitLater", EmitLater),
      DECLARE_METHOD("resolveLater", ResolveLater),
  };
  return EXPORT_METHODS(env, exports, methods);
}
