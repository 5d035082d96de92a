/* The addon the benchmark drives: the cheapest calls of each kind (a number call, a string
 * round trip, a callback into the caller, a no-op, a method on a wrapped instance). */
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

/* callback(fn) -> fn() */
static napi_value Callback(napi_env env, napi_callback_info info) {
  napi_value argv[1], recv, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  NODE_API_CALL(env, napi_call_function(env, recv, argv[0], 0, NULL, &result));
  return result;
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
      DECLARE_METHOD("callback", Callback),
      DECLARE_METHOD("noop", Noop),
      {"Counter", NULL, NULL, NULL, NULL, counter, napi_enumerable, NULL},
  };
  return EXPORT_METHODS(env, exports, methods);
}
