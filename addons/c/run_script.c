/* Chapter "scripts": napi_run_script, as koffi and others use it for one-line feature tests.
 * run(source) returns the script's value; a script that throws throws. */
#include "common.h"

static napi_value Run(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_run_script(env, argv[0], &result));
  return result;
}

/* status(value): the status napi_run_script answers for a value (not a string, or a script that
 * throws, what it threw cleared). */
static napi_value Status(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  bool pending = false;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_run_script(env, argv[0], &result);
  /* What a script threw is left pending with the status: cleared, so the status comes back. */
  NODE_API_CALL(env, napi_is_exception_pending(env, &pending));
  if (pending) NODE_API_CALL(env, napi_get_and_clear_last_exception(env, &result));
  return make_int32(env, status);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("run", Run),
      DECLARE_METHOD("status", Status),
  };
  return EXPORT_METHODS(env, exports, methods);
}
