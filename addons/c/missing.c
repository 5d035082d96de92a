/* Calls a Node-API function the host does not implement yet, to check that it says so. */
#include "common.h"

/* missingStatus() -> [status of napi_create_promise, the last error message] */
static napi_value MissingStatus(napi_env env, napi_callback_info info) {
  (void)info;
  napi_deferred deferred;
  napi_value promise;
  napi_status status = napi_create_promise(env, &deferred, &promise);
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
