/* For `python -m napi_python inspect` (tests/platforms/test_inspect.py): an addon that also uses what
 * exists only inside node — V8's C++ API and node's — as addons written against <v8.h>/<node.h>
 * do, besides libuv, which the host provides. Those symbols stay undefined. Functions are
 * bound lazily (RTLD_LAZY, as node does), but a V8 constant is data, which the dynamic linker
 * must find at load: the host cannot load it, and says the symbol is V8's. Inspect must still
 * report everything it can read. */
#include "common.h"

/* libuv (uv.h) */
void *uv_default_loop(void);
int uv_run(void *loop, int mode);
/* V8 and node's C++ API, declared by their mangled names (v8::Isolate::GetCurrent(),
 * node::GetCurrentEventLoop(v8::Isolate*)). */
void *_ZN2v87Isolate10GetCurrentEv(void);
void *_ZN4node19GetCurrentEventLoopEPN2v87IsolateE(void *isolate);
/* v8::HeapProfiler::kUnknownObjectId, a constant node exports. */
extern const unsigned int _ZN2v812HeapProfiler16kUnknownObjectIdE;

static napi_value UnknownObjectId(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int32(env, (int32_t)_ZN2v812HeapProfiler16kUnknownObjectIdE);
}

static napi_value RunLoop(napi_env env, napi_callback_info info) {
  struct uv_loop_s *loop = NULL;
  (void)info;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok)
    loop = _ZN4node19GetCurrentEventLoopEPN2v87IsolateE(_ZN2v87Isolate10GetCurrentEv());
  uv_run(loop ? (void *)loop : uv_default_loop(), 0);
  return make_undefined(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {DECLARE_METHOD("runLoop", RunLoop),
                                       DECLARE_METHOD("unknownObjectId", UnknownObjectId)};
  return EXPORT_METHODS(env, exports, methods);
}
