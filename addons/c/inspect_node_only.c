/* For `python -m napi_python inspect` (tests/test_inspect.py): an addon that also calls what
 * exists only inside node — libuv, V8's C++ API and node's — as addons written against
 * <uv.h>/<v8.h>/<node.h> do. Those symbols stay undefined (no -luv), so the host cannot load it
 * (RTLD_NOW names the first missing one); inspect must still report everything it can read.
 * It also imports napi_get_uv_event_loop, which the host exports but must refuse. */
#include "common.h"

/* libuv (uv.h) */
void *uv_default_loop(void);
int uv_run(void *loop, int mode);
/* V8 and node's C++ API, declared by their mangled names (v8::Isolate::GetCurrent(),
 * node::GetCurrentEventLoop(v8::Isolate*)). */
void *_ZN2v87Isolate10GetCurrentEv(void);
void *_ZN4node19GetCurrentEventLoopEPN2v87IsolateE(void *isolate);

static napi_value RunLoop(napi_env env, napi_callback_info info) {
  struct uv_loop_s *loop = NULL;
  (void)info;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok)
    loop = _ZN4node19GetCurrentEventLoopEPN2v87IsolateE(_ZN2v87Isolate10GetCurrentEv());
  uv_run(loop ? (void *)loop : uv_default_loop(), 0);
  return make_undefined(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {DECLARE_METHOD("runLoop", RunLoop)};
  return EXPORT_METHODS(env, exports, methods);
}
