/* A Node-API addon whose DLL imports a function from a DLL no machine has
 * (napi_python_absent.dll), built by scripts/windows addons: LoadLibraryExW fails with
 * ERROR_MOD_NOT_FOUND although the addon's own file exists, as an npm prebuild does when the
 * runtime it was linked against is not installed. client/tests/windows_load_errors.rs loads it. */
#include <node_api.h>

__declspec(dllimport) int napi_python_absent_function(void);

NAPI_MODULE_INIT() {
  napi_value answer;
  napi_create_int32(env, napi_python_absent_function(), &answer);
  napi_set_named_property(env, exports, "answer", answer);
  return exports;
}
