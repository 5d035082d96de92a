/* The addon the benchmark drives: the cheapest calls of each kind (a number call, a string
 * round trip, a small buffer in, a callback into the caller, a no-op, a method on a wrapped
 * instance). */
#include <stdlib.h>

#include "common.h"


/* echo(s) -> s, copied through a C buffer so the string really crosses Node-API */
static napi_value Echo(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  size_t length;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_value_string_utf8(env, argv[0], NULL, 0, &length));
  char* buf = malloc(length + 1);
  NODE_API_ASSERT(env, buf != NULL, "out of memory");
  napi_status status = napi_get_value_string_utf8(env, argv[0], buf, length + 1, &length);
  if (status == napi_ok) status = napi_create_string_utf8(env, buf, length, &result);
  free(buf);
  NODE_API_CALL(env, status);
  return result;
}

/* byteLength(buffer) -> its length: a small buffer in, a number out (the shape of a checksum) */
static napi_value ByteLength(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  void* data;
  size_t length;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_buffer_info(env, argv[0], &data, &length));
  NODE_API_CALL(env, napi_create_uint32(env, (uint32_t)length, &result));
  return result;
}

/* callback(fn) -> fn() */
static napi_value Callback(napi_env env, napi_callback_info info) {
  napi_value argv[1], recv, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  NODE_API_CALL(env, napi_call_function(env, recv, argv[0], 0, NULL, &result));
  return result;
}

/* makeObject16() -> {k0: 0, ..., k15: 15}: creating an object with 16 properties */
static napi_value MakeObject16(napi_env env, napi_callback_info info) {
  static const char* keys[16] = {"k0", "k1", "k2",  "k3",  "k4",  "k5",  "k6",  "k7",
                                 "k8", "k9", "k10", "k11", "k12", "k13", "k14", "k15"};
  napi_value obj;
  (void)info;
  NODE_API_CALL(env, napi_create_object(env, &obj));
  for (int i = 0; i < 16; i++) {
    napi_value v = make_int32(env, i);
    if (v == NULL) return NULL;
    NODE_API_CALL(env, napi_set_named_property(env, obj, keys[i], v));
  }
  return obj;
}

static napi_value Noop(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  return NULL;
}

static void FreeCount(napi_env env, void* data, void* hint) {
  (void)env, (void)hint;
  free(data);
}

static napi_value CounterNew(napi_env env, napi_callback_info info) {
  napi_value this_arg;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  double* count = calloc(1, sizeof *count);
  NODE_API_ASSERT(env, count != NULL, "out of memory");
  napi_status status = napi_wrap(env, this_arg, count, FreeCount, NULL, NULL);
  if (status != napi_ok) free(count);
  NODE_API_CALL(env, status);
  return this_arg;
}

/* Counter.prototype.increment() -> the new count */
static napi_value CounterIncrement(napi_env env, napi_callback_info info) {
  napi_value this_arg;
  double* count;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  NODE_API_CALL(env, napi_unwrap(env, this_arg, (void**)&count));
  return make_double(env, ++*count);
}

NAPI_MODULE_INIT() {
  napi_value counter;
  napi_property_descriptor counter_props[] = {
      {"increment", NULL, CounterIncrement, NULL, NULL, NULL, napi_default_method, NULL},
  };
  NODE_API_CALL(env, napi_define_class(env, "Counter", NAPI_AUTO_LENGTH, CounterNew, NULL,
                                       ARRAY_LENGTH(counter_props), counter_props, &counter));
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("add", AddNumbers),
      DECLARE_METHOD("echo", Echo),
      DECLARE_METHOD("byteLength", ByteLength),
      DECLARE_METHOD("callback", Callback),
      DECLARE_METHOD("noop", Noop),
      DECLARE_METHOD("makeObject16", MakeObject16),
      {"Counter", NULL, NULL, NULL, NULL, counter, napi_enumerable, NULL},
  };
  return EXPORT_METHODS(env, exports, methods);
}
