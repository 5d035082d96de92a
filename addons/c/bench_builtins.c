/* The speed of built-ins as addons call them: repeat(fn, this, args, n) calls
 * fn.apply(this, args) n times through napi_call_function and answers the nanoseconds per call,
 * timed inside the addon, so node and napi_python are measured on the same native loop. */
#include <time.h>

#include "common.h"

static napi_value Repeat(napi_env env, napi_callback_info info) {
  napi_value argv[4], result;
  if (!get_args(env, info, 4, argv, NULL)) return NULL;
  uint32_t argc = 0;
  NODE_API_CALL(env, napi_get_array_length(env, argv[2], &argc));
  napi_value args[8];
  if (argc > 8) argc = 8;
  for (uint32_t i = 0; i < argc; i++) NODE_API_CALL(env, napi_get_element(env, argv[2], i, &args[i]));
  int64_t n = 0;
  NODE_API_CALL(env, napi_get_value_int64(env, argv[3], &n));
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int64_t i = 0; i < n; i++) {
    napi_handle_scope scope;
    NODE_API_CALL(env, napi_open_handle_scope(env, &scope));
    NODE_API_CALL(env, napi_call_function(env, argv[1], argv[0], argc, args, &result));
    NODE_API_CALL(env, napi_close_handle_scope(env, scope));
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  double ns = (double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec);
  return make_double(env, n > 0 ? ns / (double)n : 0.0);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {DECLARE_METHOD("repeat", Repeat)};
  return EXPORT_METHODS(env, exports, methods);
}
