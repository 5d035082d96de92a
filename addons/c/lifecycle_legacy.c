/* Chapter "lifecycle": a module registered the legacy way. It exports no
 * napi_register_module_v1: a constructor that runs during dlopen hands a napi_module to
 * napi_module_register, as addons built with old node headers (NAPI_MODULE before Node 14.x
 * switched it to symbol-based registration) still do. */
#include "common.h"

static napi_value Hello(napi_env env, napi_callback_info info) {
  (void)info;
  return make_string(env, "registered by napi_module_register");
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {DECLARE_METHOD("hello", Hello)};
  return EXPORT_METHODS(env, exports, methods);
}

static napi_module legacy_module = {
    .nm_version = NAPI_MODULE_VERSION,
    .nm_flags = 0,
    .nm_filename = __FILE__,
    .nm_register_func = Init,
    .nm_modname = "lifecycle_legacy",
    .nm_priv = NULL,
    .reserved = {NULL},
};

__attribute__((constructor)) static void register_legacy_module(void) {
  napi_module_register(&legacy_module);
}
