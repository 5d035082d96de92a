/* Chapter "hosts", the consumer: reads what hosts_provider.c made (a tagged external's Thing, a
 * Point wrapped by the provider's class) from its own env, as tree-sitter reads the language a
 * grammar addon made; calls the provider's functions; and wraps provider objects itself. */
#include "hosts_shared.h"

static const char ADDON[] = "consumer";

/* thingName(external): the Thing's name, or TypeError when it is not tagged THING_TAG. */
static napi_value ThingName(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_valuetype type;
  bool tagged = false;
  Thing* thing;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[0], &type));
  if (type == napi_external) {
    NODE_API_CALL(env, napi_check_object_type_tag(env, argv[0], &THING_TAG, &tagged));
  }
  if (!tagged) {
    napi_throw_type_error(env, NULL, "Invalid thing object");
    return NULL;
  }
  NODE_API_CALL(env, napi_get_value_external(env, argv[0], (void**)&thing));
  return make_string(env, thing->name);
}

/* movePoint(point, dx): unwraps the provider's Point and moves it; answers the new x. */
static napi_value MovePoint(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double dx;
  Point* p;
  if (!get_args(env, info, 2, argv, NULL) || !get_double(env, argv[1], &dx)) return NULL;
  NODE_API_CALL(env, napi_unwrap(env, argv[0], (void**)&p));
  p->x += dx;
  return make_double(env, p->x);
}

/* callWith(f, ...args): calls f, made by any addon, with `this` undefined. */
static napi_value CallWith(napi_env env, napi_callback_info info) {
  napi_value argv[4], undefined, result;
  size_t argc = 4;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  NODE_API_ASSERT(env, argc >= 1, "callWith(f, ...args)");
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_call_function(env, undefined, argv[0], argc - 1, argv + 1, &result));
  return result;
}

static void FinalizeLabel(napi_env env, void* data, void* hint) {
  (void)env, (void)hint;
  hosts_log(ADDON, "finalize label %s", (char*)data);
  free(data);
}

/* label(obj, text): attaches a finalizer of this env to an object of another (napi_add_finalizer,
 * as the consumer cannot wrap what the provider already wrapped). */
static napi_value Label(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char text[32];
  if (!get_args(env, info, 2, argv, NULL) || !get_utf8(env, argv[1], text, sizeof text)) return NULL;
  char* copy = strdup(text);
  NODE_API_ASSERT(env, copy != NULL, "out of memory");
  NODE_API_CALL(env, napi_add_finalizer(env, argv[0], copy, FinalizeLabel, NULL, NULL));
  return argv[0];
}

/* fillBuffer(buffer, byte): writes `byte` over the buffer's memory; answers its length. */
static napi_value FillBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t byte;
  void* data;
  size_t length;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &byte)) return NULL;
  NODE_API_CALL(env, napi_get_buffer_info(env, argv[0], &data, &length));
  memset(data, byte, length);
  return make_double(env, (double)length);
}

NAPI_MODULE_INIT() {
  if (!hosts_register_env(env, ADDON)) return NULL;
  napi_property_descriptor props[] = {
      DECLARE_METHOD("thingName", ThingName),
      DECLARE_METHOD("movePoint", MovePoint),
      DECLARE_METHOD("callWith", CallWith),
      DECLARE_METHOD("label", Label),
      DECLARE_METHOD("fillBuffer", FillBuffer),
      DECLARE_METHOD("whoAmI", HostsWhoAmI),
  };
  return EXPORT_METHODS(env, exports, props);
}
