/* File descriptors handed to an addon by number, as fs-native-extensions' tryLock and
 * setAttr take them: tests/napi/test_descriptors.py checks that a number that names none of the
 * host's descriptors fails (EBADF) instead of naming one of the host's own, and that a
 * descriptor passed with js.descriptor is the program's open file in the host. */
#include "common.h"

#include <errno.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int32_t fd_arg(napi_env env, napi_value v) {
  int32_t fd = -1;
  napi_get_value_int32(env, v, &fd);
  return fd;
}

/* tryLock(fd) -> 0, or the errno of flock(fd, LOCK_EX | LOCK_NB) */
static napi_value TryLock(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  int rc = flock(fd_arg(env, argv[0]), LOCK_EX | LOCK_NB);
  return make_int32(env, rc == 0 ? 0 : errno);
}

/* sameFile(fd, path) -> whether fd is open on the file at path (device and inode), or the
 * errno of fstat(fd) as a negative number */
static napi_value SameFile(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char path[4096];
  if (!get_args(env, info, 2, argv, NULL) || !get_utf8(env, argv[1], path, sizeof path)) return NULL;
  struct stat a, b;
  if (fstat(fd_arg(env, argv[0]), &a) != 0) return make_int32(env, -errno);
  if (stat(path, &b) != 0) return make_int32(env, -errno);
  napi_value out;
  NODE_API_CALL(env, napi_get_boolean(env, a.st_dev == b.st_dev && a.st_ino == b.st_ino, &out));
  return out;
}

/* append(fd, text) -> bytes written, or the errno of write(2) as a negative number */
static napi_value Append(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char text[256];
  if (!get_args(env, info, 2, argv, NULL) || !get_utf8(env, argv[1], text, sizeof text)) return NULL;
  ssize_t n = write(fd_arg(env, argv[0]), text, strlen(text));
  return make_int32(env, n >= 0 ? (int32_t)n : -errno);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor descs[] = {
      DECLARE_METHOD("tryLock", TryLock),
      DECLARE_METHOD("sameFile", SameFile),
      DECLARE_METHOD("append", Append),
  };
  return EXPORT_METHODS(env, exports, descs);
}
