// Exports named as Python wrappers like to name their own attributes: `close`, `path`, `pid`,
// `exports`, `host`, `napi_version`, `protections`, `registration` (what napi_python's Addon
// offered), and a function with properties `new`, `call` and `is_class` of its own. Each function
// answers its own name and `this`, so a test can tell which one ran and on what.
// Reached by their JS spelling from Python (tests/api/test_js_names.py).
#include "common.h"

#include <stdlib.h>

// Ends the process, as a crashing addon does (to show an export named like Addon's old
// attributes coming back after a restart).
static napi_value crash(napi_env env, napi_callback_info info) {
  abort();
}

// Answers [name, this] for the function's own name (its data).
static napi_value named(napi_env env, napi_callback_info info) {
  napi_value this_arg, result, name;
  void* data;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, &data));
  NODE_API_CALL(env, napi_create_string_utf8(env, (const char*)data, NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_array_with_length(env, 2, &result));
  NODE_API_CALL(env, napi_set_element(env, result, 0, name));
  NODE_API_CALL(env, napi_set_element(env, result, 1, this_arg));
  return result;
}

static napi_status add_function(napi_env env, napi_value target, const char* name) {
  napi_value fn;
  napi_status status = napi_create_function(env, name, NAPI_AUTO_LENGTH, named, (void*)name, &fn);
  return status == napi_ok ? napi_set_named_property(env, target, name, fn) : status;
}

NAPI_MODULE_INIT() {
  static const char* const functions[] = {"close", "pid", "host", "protections"};
  for (size_t i = 0; i < ARRAY_LENGTH(functions); i++) {
    NODE_API_CALL(env, add_function(env, exports, functions[i]));
  }
  static const char* const strings[][2] = {
      {"path", "the addon's own path"},
      {"exports", "the addon's own exports"},
      {"registration", "the addon's own registration"},
  };
  for (size_t i = 0; i < ARRAY_LENGTH(strings); i++) {
    napi_value value;
    NODE_API_CALL(env, napi_create_string_utf8(env, strings[i][1], NAPI_AUTO_LENGTH, &value));
    NODE_API_CALL(env, napi_set_named_property(env, exports, strings[i][0], value));
  }
  napi_value version;
  NODE_API_CALL(env, napi_create_int32(env, 42, &version));
  NODE_API_CALL(env, napi_set_named_property(env, exports, "napi_version", version));
  // A function whose own properties are named like JSFunction's helpers.
  napi_value tool;
  NODE_API_CALL(env, napi_create_function(env, "tool", NAPI_AUTO_LENGTH, named, (void*)"tool", &tool));
  NODE_API_CALL(env, add_function(env, tool, "new"));
  NODE_API_CALL(env, add_function(env, tool, "call"));
  napi_value no;
  NODE_API_CALL(env, napi_get_boolean(env, false, &no));
  NODE_API_CALL(env, napi_set_named_property(env, tool, "is_class", no));
  NODE_API_CALL(env, napi_set_named_property(env, exports, "tool", tool));
  // A plain function, which keeps Function.prototype's call, apply and bind.
  NODE_API_CALL(env, add_function(env, exports, "plain"));
  napi_value crasher;
  NODE_API_CALL(env, napi_create_function(env, "crash", NAPI_AUTO_LENGTH, crash, NULL, &crasher));
  NODE_API_CALL(env, napi_set_named_property(env, exports, "crash", crasher));
  return exports;
}
