/* Calls a Node-API function the host does not implement yet, to check that it says so. */
#include "common.h"

napi_status node_api_is_sharedarraybuffer(napi_env env, napi_value value, bool* result);

/* missingStatus() -> [status of node_api_is_sharedarraybuffer (experimental, not implemented
 * yet), the last error message] */
static napi_value MissingStatus(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value value;
  bool result;
  NODE_API_CALL(env, napi_get_undefined(env, &value));
  napi_status status = node_api_is_sharedarraybuffer(env, value, &result);
  const napi_extended_error_info* error;
  NODE_API_CALL(env, napi_get_last_error_info(env, &error));
  napi_value message;
  NODE_API_CALL(env, napi_create_string_utf8(env, error->error_message ? error->error_message : "",
                                             NAPI_AUTO_LENGTH, &message));
  napi_value items[] = {make_status(env, status), message};
  return make_list(env, 2, items);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("missingStatus", MissingStatus),
  };
  return EXPORT_METHODS(env, exports, methods);
}
