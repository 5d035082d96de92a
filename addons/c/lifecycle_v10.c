/* Chapter "lifecycle": a module that declares Node-API 10 through
 * node_api_module_get_api_version_v1 (NAPI_MODULE_INIT returns NAPI_VERSION). Behaviour that
 * depends on the declared version must follow it: references to primitives are allowed from
 * version 10 on. */
#define NAPI_VERSION 10
#include "common.h"

/* refToPrimitive(value) -> [status of napi_create_reference(value, 1), the value read back] */
static napi_value RefToPrimitive(napi_env env, napi_callback_info info) {
  napi_value argv[1], value = NULL;
  napi_ref ref;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_create_reference(env, argv[0], 1, &ref);
  if (status == napi_ok) {
    NODE_API_CALL(env, napi_get_reference_value(env, ref, &value));
    NODE_API_CALL(env, napi_delete_reference(env, ref));
  }
  return make_status_pair(env, status, value);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {DECLARE_METHOD("refToPrimitive", RefToPrimitive)};
  return EXPORT_METHODS(env, exports, methods);
}
