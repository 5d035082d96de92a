/* Chapter "scopes": handle scopes in loops, nesting, escapable scopes and mismatches. */
#include "common.h"

/* Creates an object with a string and a number property inside the current scope. */
static napi_status make_garbage(napi_env env, int32_t i) {
  napi_value obj, str, num;
  napi_status status;
  if ((status = napi_create_object(env, &obj)) != napi_ok) return status;
  if ((status = napi_create_string_utf8(env, "garbage", NAPI_AUTO_LENGTH, &str)) != napi_ok) {
    return status;
  }
  if ((status = napi_create_int32(env, i, &num)) != napi_ok) return status;
  if ((status = napi_set_named_property(env, obj, "s", str)) != napi_ok) return status;
  return napi_set_named_property(env, obj, "n", num);
}

/* loopScopes(n) -> n after n iterations of open scope / create values / close scope */
static napi_value LoopScopes(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t n;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &n)) return NULL;
  for (int32_t i = 0; i < n; i++) {
    napi_handle_scope scope;
    NODE_API_CALL(env, napi_open_handle_scope(env, &scope));
    napi_status status = make_garbage(env, i);
    NODE_API_CALL(env, napi_close_handle_scope(env, scope));
    NODE_API_CALL(env, status);
  }
  return make_int32(env, n);
}

/* nestedScopes(depth) -> the value made at the innermost level, escaped level by level */
static napi_value nest(napi_env env, int32_t depth) {
  napi_escapable_handle_scope scope;
  napi_value value, escaped;
  NODE_API_CALL(env, napi_open_escapable_handle_scope(env, &scope));
  if (depth == 0) {
    value = make_string(env, "innermost");
  } else {
    value = nest(env, depth - 1);
  }
  napi_status status = value == NULL ? napi_pending_exception
                                     : napi_escape_handle(env, scope, value, &escaped);
  NODE_API_CALL(env, napi_close_escapable_handle_scope(env, scope));
  return status == napi_ok ? escaped : NULL;
}

static napi_value NestedScopes(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t depth;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &depth)) return NULL;
  return nest(env, depth);
}

/* escapeTwice() -> [first escape status, second escape status, the escaped object's x] */
static napi_value EscapeTwice(napi_env env, napi_callback_info info) {
  (void)info;
  napi_escapable_handle_scope scope;
  napi_value obj, first = NULL, second = NULL;
  NODE_API_CALL(env, napi_open_escapable_handle_scope(env, &scope));
  NODE_API_CALL(env, napi_create_object(env, &obj));
  NODE_API_CALL(env, napi_set_named_property(env, obj, "x", make_int32(env, 7)));
  napi_status s1 = napi_escape_handle(env, scope, obj, &first);
  napi_status s2 = napi_escape_handle(env, scope, obj, &second);
  NODE_API_CALL(env, napi_close_escapable_handle_scope(env, scope));
  napi_value x;
  NODE_API_CALL(env, napi_get_named_property(env, first, "x", &x));
  napi_value items[] = {make_status(env, s1), make_status(env, s2), x};
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* closeWithoutOpen() -> [close_handle_scope status, close_escapable_handle_scope status] after
 * every scope this callback opened is closed again */
static napi_value CloseWithoutOpen(napi_env env, napi_callback_info info) {
  (void)info;
  napi_handle_scope scope;
  napi_escapable_handle_scope escapable;
  NODE_API_CALL(env, napi_open_handle_scope(env, &scope));
  NODE_API_CALL(env, napi_close_handle_scope(env, scope));
  NODE_API_CALL(env, napi_open_escapable_handle_scope(env, &escapable));
  NODE_API_CALL(env, napi_close_escapable_handle_scope(env, escapable));
  /* Node checks its count of open scopes before touching the scope: safe to pass stale ones. */
  napi_status s1 = napi_close_handle_scope(env, scope);
  napi_status s2 = napi_close_escapable_handle_scope(env, escapable);
  napi_value items[] = {make_status(env, s1), make_status(env, s2)};
  return make_list(env, 2, items);
}

/* closeOutOfOrder() -> [close(outer) status, close(inner) status] with two scopes open.
 * Node counts open scopes but does not check their order. */
static napi_value CloseOutOfOrder(napi_env env, napi_callback_info info) {
  (void)info;
  napi_handle_scope outer, inner;
  NODE_API_CALL(env, napi_open_handle_scope(env, &outer));
  NODE_API_CALL(env, napi_open_handle_scope(env, &inner));
  napi_status s1 = napi_close_handle_scope(env, outer);
  napi_status s2 = napi_close_handle_scope(env, inner);
  napi_value items[] = {make_status(env, s1), make_status(env, s2)};
  return make_list(env, 2, items);
}

/* Statuses of NULL arguments: [open(NULL), close(NULL), escape(NULL scope)] */
static napi_value StatusesOfNullScopes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value value, out;
  NODE_API_CALL(env, napi_create_object(env, &value));
  napi_value items[] = {
      make_status(env, napi_open_handle_scope(env, NULL)),
      make_status(env, napi_close_handle_scope(env, NULL)),
      make_status(env, napi_escape_handle(env, NULL, value, &out)),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* valuesSurviveInnerScope() -> an array filled inside a scope that was closed: values stored
 * in an object made outside the scope stay reachable through it. */
static napi_value ValuesSurviveInnerScope(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value array;
  NODE_API_CALL(env, napi_create_array(env, &array));
  for (uint32_t i = 0; i < 3; i++) {
    napi_handle_scope scope;
    napi_value item;
    NODE_API_CALL(env, napi_open_handle_scope(env, &scope));
    napi_status status = napi_create_uint32(env, i * 10, &item);
    if (status == napi_ok) status = napi_set_element(env, array, i, item);
    NODE_API_CALL(env, napi_close_handle_scope(env, scope));
    NODE_API_CALL(env, status);
  }
  return array;
}

/* returnFromClosedScope() -> an object made in a scope the callback closed before returning it,
 * as node-addon-api code does with a `Napi::HandleScope` at the top of a callback (node-pty's
 * open): V8 leaves a closed scope's slots as they are until new handles reuse them, so node
 * reads the object. */
static napi_value ReturnFromClosedScope(napi_env env, napi_callback_info info) {
  (void)info;
  napi_handle_scope scope;
  napi_value obj, answer;
  NODE_API_CALL(env, napi_open_handle_scope(env, &scope));
  NODE_API_CALL(env, napi_create_object(env, &obj));
  NODE_API_CALL(env, napi_create_string_utf8(env, "made in a closed scope", NAPI_AUTO_LENGTH, &answer));
  NODE_API_CALL(env, napi_set_named_property(env, obj, "answer", answer));
  NODE_API_CALL(env, napi_close_handle_scope(env, scope));
  return obj;
}

/* leaveScopeOpen(n) -> n, made in a scope the callback opens and leaves open: node aborts on
 * that; the host closes the scope after the call (server/napi/src/callback.rs), and the next
 * calls find the scopes as they were. */
static napi_value LeaveScopeOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], answer;
  int32_t n;
  napi_handle_scope scope;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  NODE_API_CALL(env, napi_get_value_int32(env, argv[0], &n));
  NODE_API_CALL(env, napi_open_handle_scope(env, &scope));
  NODE_API_CALL(env, napi_create_int32(env, n, &answer));
  return answer;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("loopScopes", LoopScopes),
      DECLARE_METHOD("nestedScopes", NestedScopes),
      DECLARE_METHOD("escapeTwice", EscapeTwice),
      DECLARE_METHOD("closeWithoutOpen", CloseWithoutOpen),
      DECLARE_METHOD("closeOutOfOrder", CloseOutOfOrder),
      DECLARE_METHOD("statusesOfNullScopes", StatusesOfNullScopes),
      DECLARE_METHOD("valuesSurviveInnerScope", ValuesSurviveInnerScope),
      DECLARE_METHOD("returnFromClosedScope", ReturnFromClosedScope),
      DECLARE_METHOD("leaveScopeOpen", LeaveScopeOpen),
  };
  return EXPORT_METHODS(env, exports, methods);
}
