/* A module whose init function throws: loading it must fail with the thrown message. */
#include "common.h"

NAPI_MODULE_INIT() {
  (void)exports;
  napi_throw_error(env, "ERR_INIT", "init failed");
  return NULL;
}
