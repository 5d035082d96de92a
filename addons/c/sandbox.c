/* Chapter "sandbox" (issue 6): probes that try what a sandboxed addon must not do -- open
 * sockets, start processes, trace or signal other processes, use io_uring, read or write
 * outside its allow-list (also while the library loads) -- and answer "ok" or the errno name,
 * so a test can assert each denial and, without the sandbox, that the probe itself works. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static napi_value outcome(napi_env env, int failed) {
  return make_string(env, failed ? strerrorname_np(errno) : "ok");
}

static int32_t int_arg(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t n = 0;
  if (get_args(env, info, 1, argv, NULL)) napi_get_value_int32(env, argv[0], &n);
  return n;
}

static char* string_arg(napi_env env, napi_callback_info info, char* buf, size_t size) {
  napi_value argv[1];
  size_t len = 0;
  buf[0] = 0;
  if (get_args(env, info, 1, argv, NULL)) napi_get_value_string_utf8(env, argv[0], buf, size, &len);
  return buf;
}

/* Written by the constructor: what opening $NAPI_TEST_LOAD_PROBE for writing gave while the
 * library was being loaded (before any export could be called). */
static char load_time[64] = "not tried";

__attribute__((constructor)) static void probe_at_load(void) {
  const char* path = getenv("NAPI_TEST_LOAD_PROBE");
  if (!path) return;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  strcpy(load_time, fd >= 0 ? "ok" : strerrorname_np(errno));
  if (fd >= 0) close(fd);
}

static napi_value LoadTimeWrite(napi_env env, napi_callback_info info) {
  (void)info;
  return make_string(env, load_time);
}

static napi_value Tcp(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return outcome(env, 1);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int rc = connect(fd, (struct sockaddr*)&addr, sizeof addr);
  int saved = errno;
  close(fd);
  errno = saved;
  /* Nothing listens on the discard port: a refused connection still proves a socket. */
  return rc < 0 && errno != ECONNREFUSED ? outcome(env, 1) : make_string(env, "ok");
}

static napi_value Udp(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return outcome(env, 1);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  ssize_t n = sendto(fd, "x", 1, 0, (struct sockaddr*)&addr, sizeof addr);
  int saved = errno;
  close(fd);
  errno = saved;
  return outcome(env, n < 0);
}

/* unixPath(path): connect to a pathname Unix socket. */
static napi_value UnixPath(napi_env env, napi_callback_info info) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  string_arg(env, info, addr.sun_path, sizeof addr.sun_path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return outcome(env, 1);
  int rc = connect(fd, (struct sockaddr*)&addr, sizeof addr);
  int saved = errno;
  close(fd);
  errno = saved;
  return outcome(env, rc < 0);
}

static napi_value Fork(napi_env env, napi_callback_info info) {
  (void)info;
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  if (pid > 0) waitpid(pid, NULL, 0);
  return outcome(env, pid < 0);
}

/* exec(): only ever called sandboxed, where it must fail (it would replace the host). */
static napi_value Exec(napi_env env, napi_callback_info info) {
  (void)info;
  char* argv[] = {"/bin/true", NULL};
  execv("/bin/true", argv);
  return outcome(env, 1);
}

static napi_value Kill(napi_env env, napi_callback_info info) {
  return outcome(env, kill(int_arg(env, info), 0) < 0);
}

static napi_value Ptrace(napi_env env, napi_callback_info info) {
  pid_t pid = int_arg(env, info);
  long rc = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
  int saved = errno;
  if (rc == 0) ptrace(PTRACE_DETACH, pid, NULL, NULL);
  errno = saved;
  return outcome(env, rc < 0);
}

static napi_value IoUring(napi_env env, napi_callback_info info) {
  (void)info;
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  long fd = syscall(SYS_io_uring_setup, 4, &params);
  if (fd >= 0) close((int)fd);
  return outcome(env, fd < 0);
}

static napi_value ReadFile(napi_env env, napi_callback_info info) {
  char path[4096];
  int fd = open(string_arg(env, info, path, sizeof path), O_RDONLY);
  if (fd >= 0) close(fd);
  return outcome(env, fd < 0);
}

static napi_value WriteFile(napi_env env, napi_callback_info info) {
  char path[4096];
  int fd = open(string_arg(env, info, path, sizeof path), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) close(fd);
  return outcome(env, fd < 0);
}

/* A thread must still start inside the sandbox (clone with CLONE_THREAD is allowed). */
static void* nothing(void* arg) { return arg; }

static napi_value Thread(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_t t;
  int rc = pthread_create(&t, NULL, nothing, NULL);
  if (rc == 0) pthread_join(t, NULL);
  errno = rc;
  return outcome(env, rc != 0);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("add", AddNumbers),
      DECLARE_METHOD("loadTimeWrite", LoadTimeWrite),
      DECLARE_METHOD("tcp", Tcp),
      DECLARE_METHOD("udp", Udp),
      DECLARE_METHOD("unixPath", UnixPath),
      DECLARE_METHOD("fork", Fork),
      DECLARE_METHOD("exec", Exec),
      DECLARE_METHOD("kill", Kill),
      DECLARE_METHOD("ptrace", Ptrace),
      DECLARE_METHOD("ioUring", IoUring),
      DECLARE_METHOD("readFile", ReadFile),
      DECLARE_METHOD("writeFile", WriteFile),
      DECLARE_METHOD("thread", Thread),
  };
  return EXPORT_METHODS(env, exports, methods);
}
