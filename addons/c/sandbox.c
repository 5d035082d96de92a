/* Chapter "sandbox": probes that try what a sandboxed addon must not do -- open
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
#include <sched.h>
#include <stdatomic.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
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

/* Metadata of a file outside the allow-list, each changed to what it already is (harmless when
 * it works): chmod, chown, utimes, setxattr. */
static napi_value Chmod(napi_env env, napi_callback_info info) {
  char path[4096];
  struct stat st;
  if (stat(string_arg(env, info, path, sizeof path), &st) < 0) return outcome(env, 1);
  return outcome(env, chmod(path, st.st_mode & 07777) < 0);
}

static napi_value Chown(napi_env env, napi_callback_info info) {
  char path[4096];
  struct stat st;
  if (stat(string_arg(env, info, path, sizeof path), &st) < 0) return outcome(env, 1);
  return outcome(env, chown(path, st.st_uid, st.st_gid) < 0);
}

static napi_value Utimes(napi_env env, napi_callback_info info) {
  char path[4096];
  struct stat st;
  if (stat(string_arg(env, info, path, sizeof path), &st) < 0) return outcome(env, 1);
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  return outcome(env, utimensat(AT_FDCWD, path, times, 0) < 0);
}

static napi_value Setxattr(napi_env env, napi_callback_info info) {
  char path[4096];
  return outcome(env, setxattr(string_arg(env, info, path, sizeof path), "user.napi-probe", "x", 1, 0) < 0);
}

/* prlimit(pid): RLIMIT_NOFILE of process pid set to what it is. */
static napi_value Prlimit(napi_env env, napi_callback_info info) {
  pid_t pid = int_arg(env, info);
  struct rlimit lim;
  if (prlimit(pid, RLIMIT_NOFILE, NULL, &lim) < 0) return outcome(env, 1);
  return outcome(env, prlimit(pid, RLIMIT_NOFILE, &lim, NULL) < 0);
}

/* setpriority(pid): its nice value set to what it is. */
static napi_value Setpriority(napi_env env, napi_callback_info info) {
  pid_t pid = int_arg(env, info);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, pid);
  if (nice == -1 && errno) return outcome(env, 1);
  return outcome(env, setpriority(PRIO_PROCESS, pid, nice) < 0);
}

/* setaffinity(pid): its CPU set set to what it is. */
static napi_value Setaffinity(napi_env env, napi_callback_info info) {
  pid_t pid = int_arg(env, info);
  cpu_set_t set;
  if (sched_getaffinity(pid, sizeof set, &set) < 0) return outcome(env, 1);
  return outcome(env, sched_setaffinity(pid, sizeof set, &set) < 0);
}

/* shmat(id): attach a SysV shared memory segment another process made. */
static napi_value Shmat(napi_env env, napi_callback_info info) {
  void* at = shmat(int_arg(env, info), NULL, SHM_RDONLY);
  if (at == (void*)-1) return outcome(env, 1);
  shmdt(at);
  return make_string(env, "ok");
}

/* datagramTo(path): a socket pair's socket sending a datagram to a pathname Unix socket. */
static napi_value DatagramTo(napi_env env, napi_callback_info info) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  string_arg(env, info, addr.sun_path, sizeof addr.sun_path);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) < 0) return outcome(env, 1);
  ssize_t n = sendto(pair[0], "x", 1, 0, (struct sockaddr*)&addr, sizeof addr);
  int saved = errno;
  close(pair[0]);
  close(pair[1]);
  errno = saved;
  return outcome(env, n < 0);
}

/* inotify(path): a watch on path. */
static napi_value Inotify(napi_env env, napi_callback_info info) {
  char path[4096];
  string_arg(env, info, path, sizeof path);
  int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0) return outcome(env, 1);
  int wd = inotify_add_watch(fd, path, IN_ALL_EVENTS);
  int saved = errno;
  close(fd);
  errno = saved;
  return outcome(env, wd < 0);
}

/* mknod(path): a character device 0:0 (which needs no privilege to make). */
static napi_value Mknod(napi_env env, napi_callback_info info) {
  char path[4096];
  return outcome(env, mknod(string_arg(env, info, path, sizeof path), S_IFCHR | 0600, makedev(0, 0)) < 0);
}

/* namespaceThread(): a thread in a new UTS namespace. Its stack stays allocated: the thread
 * may still be on it when the call returns. */
static atomic_int thread_ran;
static int mark_ran(void* arg) {
  (void)arg;
  atomic_store(&thread_ran, 1);
  return 0;
}

static napi_value NamespaceThread(napi_env env, napi_callback_info info) {
  (void)info;
  size_t size = 64 * 1024;
  char* stack = malloc(size);
  int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_NEWUTS;
  int tid = clone(mark_ran, stack + size, flags, NULL);
  if (tid < 0) {
    int saved = errno;
    free(stack);
    errno = saved;
    return outcome(env, 1);
  }
  return make_string(env, "ok");
}

/* capabilities(): the capability sets of the host, as /proc/self/status shows them (asked of
 * the kernel directly: /proc is outside the sandbox's allow-list). */
static napi_value Capabilities(napi_env env, napi_callback_info info) {
  (void)info;
  struct {
    uint32_t version;
    int pid;
  } header = {0x20080522, 0};
  struct {
    uint32_t effective, permitted, inheritable;
  } data[2];
  if (syscall(SYS_capget, &header, data) < 0) return outcome(env, 1);
  unsigned long long bounding = 0, ambient = 0;
  for (int cap = 0; cap < 64; cap++) {
    int in_bounding = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (in_bounding < 0) break;
    if (in_bounding) bounding |= 1ull << cap;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1) ambient |= 1ull << cap;
  }
#define BOTH(field) ((unsigned long long)data[1].field << 32 | data[0].field)
  char out[256];
  snprintf(out, sizeof out, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\nCapAmb:\t%016llx\n",
           BOTH(inheritable), BOTH(permitted), BOTH(effective), bounding, ambient);
#undef BOTH
  return make_string(env, out);
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
      DECLARE_METHOD("chmod", Chmod),
      DECLARE_METHOD("chown", Chown),
      DECLARE_METHOD("utimes", Utimes),
      DECLARE_METHOD("setxattr", Setxattr),
      DECLARE_METHOD("prlimit", Prlimit),
      DECLARE_METHOD("setpriority", Setpriority),
      DECLARE_METHOD("setaffinity", Setaffinity),
      DECLARE_METHOD("shmat", Shmat),
      DECLARE_METHOD("datagramTo", DatagramTo),
      DECLARE_METHOD("inotify", Inotify),
      DECLARE_METHOD("mknod", Mknod),
      DECLARE_METHOD("namespaceThread", NamespaceThread),
      DECLARE_METHOD("capabilities", Capabilities),
  };
  return EXPORT_METHODS(env, exports, methods);
}
