/* Promises made by the addon and settled later, on request. */
#include "common.h"

static napi_deferred pending = NULL;

/* deferred() -> a new pending promise; settle it with resolveLast / rejectLast */
static napi_value Deferred(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value promise;
  NODE_API_CALL(env, napi_create_promise(env, &pending, &promise));
  return promise;
}

static napi_value Settle(napi_env env, napi_callback_info info, bool resolve) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_ASSERT(env, pending != NULL, "no pending promise");
  napi_deferred d = pending;
  pending = NULL;
  if (resolve) {
    NODE_API_CALL(env, napi_resolve_deferred(env, d, argv[0]));
  } else {
    NODE_API_CALL(env, napi_reject_deferred(env, d, argv[0]));
  }
  return make_undefined(env);
}

static napi_value ResolveLast(napi_env env, napi_callback_info info) { return Settle(env, info, true); }
static napi_value RejectLast(napi_env env, napi_callback_info info) { return Settle(env, info, false); }

/* isPromise(v) -> bool */
static napi_value IsPromise(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_is_promise(env, argv[0], &result));
  return make_bool(env, result);
}

/* callThrough(fn) -> fn(): keeps the JS thread inside a call for as long as fn runs */
static napi_value CallThrough(napi_env env, napi_callback_info info) {
  napi_value argv[1], undefined, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_call_function(env, undefined, argv[0], 0, NULL, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("deferred", Deferred),
      DECLARE_METHOD("resolveLast", ResolveLast),
      DECLARE_METHOD("rejectLast", RejectLast),
      DECLARE_METHOD("isPromise", IsPromise),
      DECLARE_METHOD("callThrough", CallThrough),
  };
  return EXPORT_METHODS(env, exports, methods);
}
