/* What the two "hosts" test addons (hosts_provider.c, hosts_consumer.c) agree on, as tree-sitter
 * and its grammar packages agree on a type tag and the struct behind it: the provider makes the
 * objects, the consumer, a separate library with its own env, recognises and reads them. Both
 * log their teardown (cleanup hook, finalizers, instance data) as lines appended to the file
 * named by $HOSTS_LOG, so a test can see the order across addons. */
#ifndef NAPI_PYTHON_TEST_HOSTS_SHARED_H
#define NAPI_PYTHON_TEST_HOSTS_SHARED_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#ifdef _WIN32
#include <windows.h>
#endif
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

/* The tag of a Thing external (napi_type_tag_object / napi_check_object_type_tag). */
static const napi_type_tag THING_TAG = {0x6e6170692d707974ull, 0x686f6e2d686f7374ull};

/* Behind a tagged external made by the provider. */
typedef struct {
  char name[32];
} Thing;

/* Wrapped in each instance of the provider's Point class. */
typedef struct {
  double x, y;
} Point;

/* Per-env instance data: which addon the env belongs to. */
typedef struct {
  char addon[16];
} Who;

/* The variable `name` of the process's environment into `out`; false when unset (or longer
 * than `size`). On Windows it is read from the process's own block: getenv of mingw's msvcrt.dll
 * reads the copy that C runtime took when it loaded, which a variable Python sets later (through
 * its own C runtime, into the process's block) never reaches. */
static inline bool hosts_env(const char* name, char* out, size_t size) {
#ifdef _WIN32
  DWORD n = GetEnvironmentVariableA(name, out, (DWORD)size);
  return n > 0 && n < size;
#else
  const char* value = getenv(name);
  return value != NULL && (size_t)snprintf(out, size, "%s", value) < size;
#endif
}

/* Appends "<addon>: <event>" to $HOSTS_LOG (nothing when it is unset). */
static inline void hosts_log(const char* addon, const char* fmt, ...) {
  char path[4096];
  if (!hosts_env("HOSTS_LOG", path, sizeof path)) return;
  FILE* f = fopen(path, "a");
  if (f == NULL) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(f, "%s: ", addon);
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  va_end(ap);
  fclose(f);
}

/* Logs; first sleeps $HOSTS_SLOW_CLEANUP_MS milliseconds when set (a teardown that takes time,
 * which exit must wait for). */
static void hosts_log_cleanup_hook(void* arg) {
  char slow[16];
  if (hosts_env("HOSTS_SLOW_CLEANUP_MS", slow, sizeof slow)) usleep((useconds_t)atoi(slow) * 1000);
  hosts_log((const char*)arg, "cleanup hook");
}

static void hosts_finalize_who(napi_env env, void* data, void* hint) {
  (void)env, (void)hint;
  hosts_log(((Who*)data)->addon, "instance data");
  free(data);
}

/* Logs the init, gives `env` instance data naming `addon` and a cleanup hook that logs; called
 * by each init. */
static inline bool hosts_register_env(napi_env env, const char* addon) {
  hosts_log(addon, "init");
  Who* who = calloc(1, sizeof *who);
  if (who == NULL) return false;
  snprintf(who->addon, sizeof who->addon, "%s", addon);
  NODE_API_CALL_BASE(env, napi_set_instance_data(env, who, hosts_finalize_who, NULL), false);
  NODE_API_CALL_BASE(env, napi_add_env_cleanup_hook(env, hosts_log_cleanup_hook, (void*)addon), false);
  return true;
}

/* whoAmI(): the addon named by the instance data of the env the call runs in. */
static napi_value HostsWhoAmI(napi_env env, napi_callback_info info) {
  (void)info;
  Who* who = NULL;
  NODE_API_CALL(env, napi_get_instance_data(env, (void**)&who));
  NODE_API_ASSERT(env, who != NULL, "no instance data");
  return make_string(env, who->addon);
}

#endif /* NAPI_PYTHON_TEST_HOSTS_SHARED_H */
