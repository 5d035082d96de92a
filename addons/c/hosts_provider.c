/* Chapter "hosts", the provider: makes a type-tagged external (a Thing), instances of a class
 * wrapping a native Point, and Buffers, which hosts_consumer.c reads from another env in the
 * same host (see hosts_shared.h). */
#include "hosts_shared.h"

static const char ADDON[] = "provider";

static void FinalizeThing(napi_env env, void* data, void* hint) {
  (void)env, (void)hint;
  hosts_log(ADDON, "finalize thing %s", ((Thing*)data)->name);
  free(data);
}

/* makeThing(name): an external over a new Thing, tagged THING_TAG. */
static napi_value MakeThing(napi_env env, napi_callback_info info) {
  napi_value argv[1], external;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Thing* thing = calloc(1, sizeof *thing);
  NODE_API_ASSERT(env, thing != NULL, "out of memory");
  if (!get_utf8(env, argv[0], thing->name, sizeof thing->name)) {
    free(thing);
    return NULL;
  }
  NODE_API_CALL(env, napi_create_external(env, thing, FinalizeThing, NULL, &external));
  NODE_API_CALL(env, napi_type_tag_object(env, external, &THING_TAG));
  return external;
}

/* makeUntagged(): an external the consumer must refuse. */
static napi_value MakeUntagged(napi_env env, napi_callback_info info) {
  (void)info;
  static Thing impostor = {"impostor"};
  napi_value external;
  NODE_API_CALL(env, napi_create_external(env, &impostor, NULL, NULL, &external));
  return external;
}

static void FinalizePoint(napi_env env, void* data, void* hint) {
  (void)env, (void)hint;
  Point* p = data;
  hosts_log(ADDON, "finalize point (%g, %g)", p->x, p->y);
  free(p);
}

/* new Point(x, y) */
static napi_value PointNew(napi_env env, napi_callback_info info) {
  napi_value argv[2], this_arg;
  double x, y;
  if (!get_args(env, info, 2, argv, &this_arg) || !get_double(env, argv[0], &x) ||
      !get_double(env, argv[1], &y)) {
    return NULL;
  }
  Point* p = malloc(sizeof *p);
  NODE_API_ASSERT(env, p != NULL, "out of memory");
  p->x = x;
  p->y = y;
  napi_status status = napi_wrap(env, this_arg, p, FinalizePoint, NULL, NULL);
  if (status != napi_ok) {
    free(p);
    throw_failed_call(env, status, "napi_wrap");
    return NULL;
  }
  return this_arg;
}

/* point.x: read from the wrapped struct, so a change made through the consumer shows here. */
static napi_value PointGetX(napi_env env, napi_callback_info info) {
  napi_value this_arg;
  Point* p;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  NODE_API_CALL(env, napi_unwrap(env, this_arg, (void**)&p));
  return make_double(env, p->x);
}

/* makeBuffer(holder, n): holder.buffer = a Buffer of bytes 0..n-1 (as tree-sitter keeps its
 * transfer array on its exports). */
static napi_value MakeBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[2], buffer;
  int32_t n;
  uint8_t* data;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &n)) return NULL;
  NODE_API_ASSERT(env, n >= 0 && n <= 4096, "0 <= n <= 4096");
  NODE_API_CALL(env, napi_create_buffer(env, (size_t)n, (void**)&data, &buffer));
  for (int32_t i = 0; i < n; i++) data[i] = (uint8_t)i;
  NODE_API_CALL(env, napi_set_named_property(env, argv[0], "buffer", buffer));
  return make_undefined(env);
}

NAPI_MODULE_INIT() {
  if (!hosts_register_env(env, ADDON)) return NULL;
  napi_property_descriptor point_props[] = {
      {"x", NULL, NULL, PointGetX, NULL, NULL, napi_default, NULL},
  };
  napi_value point;
  NODE_API_CALL(env, napi_define_class(env, "Point", NAPI_AUTO_LENGTH, PointNew, NULL,
                                       ARRAY_LENGTH(point_props), point_props, &point));
  napi_property_descriptor props[] = {
      DECLARE_METHOD("makeThing", MakeThing),
      DECLARE_METHOD("makeUntagged", MakeUntagged),
      DECLARE_METHOD("makeBuffer", MakeBuffer),
      DECLARE_METHOD("whoAmI", HostsWhoAmI),
      {"Point", NULL, NULL, NULL, NULL, point, napi_default, NULL},
  };
  return EXPORT_METHODS(env, exports, props);
}
