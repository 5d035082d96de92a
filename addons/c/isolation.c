/* Chapter "isolation": faults an addon can inflict on the process that runs it --
 * stack overflow, exit(0), closing the host's socket, napi_fatal_error, hangs, a malloc bomb,
 * a fork bomb, floods of output -- each a function, so tests can inject one and check that
 * Python survives with the right exception and that nothing is left behind.
 *
 * Built for Windows too (scripts/windows addons): there the waits are Win32's, the host's link
 * (its pipe, wake-up events and rings) is found as host_link_windows.h finds it, and what has no
 * Windows counterpart here (fork) throws "not on Windows", so a test that calls it fails saying
 * so. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <io.h>
#include <windows.h>

#include "host_link_windows.h"
#else
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_sockets.h"
#endif

#include "common.h"

#ifdef _WIN32
static void sleep_ms(int32_t ms) { Sleep((DWORD)ms); }
static void sleep_forever(void) {
  for (;;) Sleep(INFINITE);
}

/* Throws for a function this addon does not have on Windows (see above). */
static napi_value not_on_windows(napi_env env, const char* what) {
  char message[160];
  snprintf(message, sizeof message, "isolation.c: %s: not on Windows", what);
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* The host's link, found from inside (host_link_windows.h), or NULL after throwing what was
 * found instead. */
static HostLink* host_link(napi_env env) {
  static HostLink link;
  static int found;
  if (!found && !host_link_find(&link)) {
    char message[160];
    snprintf(message, sizeof message, "isolation.c: no host link in this process: %s", link.found);
    napi_throw_error(env, NULL, message);
    return NULL;
  }
  found = 1;
  return &link;
}
#else
static void sleep_ms(int32_t ms) { usleep((useconds_t)ms * 1000); }
static void sleep_forever(void) {
  for (;;) pause();
}
#endif

static int32_t arg_int(napi_env env, napi_value v) {
  int32_t n = 0;
  napi_get_value_int32(env, v, &n);
  return n;
}

/* The string `v` into `buf`, cut to fit (empty when it is not a string). */
static void arg_string(napi_env env, napi_value v, char* buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) buf[0] = '\0';
}

/* Recursion the compiler cannot turn into a loop: every frame keeps a live buffer. */
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int recurse(volatile char* previous, int depth) {
  volatile char frame[4096];
  frame[0] = (char)depth;
  frame[1] = previous ? previous[0] : 0;
  return recurse(frame, depth + 1) + frame[1];
}

static napi_value StackOverflow(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int32(env, recurse(NULL, 0));
}

static napi_value ExitZero(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  exit(0);
}

/* Shuts the host's end of the socket down, as a misbehaving addon closing random fds would;
 * the host can then neither read nor answer. On Windows it closes the host's end of the main
 * pipe (its pending read cancelled first), which the client then finds broken. */
static napi_value CloseSocket(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef _WIN32
  HostLink* link = host_link(env);
  if (link == NULL) return NULL;
  CancelIoEx(link->pipe[0], NULL);
  CloseHandle(link->pipe[0]);
  return make_undefined(env);
#else
  shutdown(host_socket(0), SHUT_RDWR);
  return make_undefined(env);
#endif
}

static napi_value FatalError(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char message[256];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  arg_string(env, argv[0], message, sizeof message);
  napi_fatal_error("isolation.c:FatalError", NAPI_AUTO_LENGTH, message, NAPI_AUTO_LENGTH);
}

/* assertWithBacktrace(message): what aws-crt's fatal assert prints (its message, aws-c-common's
 * notices, then a backtrace of frame addresses), then abort. */
static napi_value AssertWithBacktrace(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char message[256];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  arg_string(env, argv[0], message, sizeof message);
  fprintf(stderr,
          "N-API call failed: %s\n"
          "Exiting Application\n"
          "Signal received: 1470833200, errno: 32718\n"
          "################################################################################\n"
          "Stack trace:\n"
          "################################################################################\n"
          "/x/isolation.node(aws_backtrace_print+0x41) [0x7fc13a2c4df1]\n"
          "/lib/x86_64-linux-gnu/libc.so.6(+0x3c050) [0x7fc16177a050]\n"
          "[0x33b1b81004e9]\n",
          message);
  fflush(stderr);
  abort();
}

static napi_value Spin(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  for (volatile unsigned long i = 0;; i++) {
  }
  return NULL;
}

static napi_value Pause(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  sleep_forever();
  return NULL;
}

/* sleepMs(ms): a call that takes a while, so other threads queue behind it. */
static napi_value SleepMs(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  sleep_ms(arg_int(env, argv[0]));
  return make_undefined(env);
}

/* signalThenWait(outFd, inFd, ms): sleeps `ms`, writes a byte to outFd, then blocks until a byte
 * arrives on inFd. A call during which another Python thread must run: the one that answers. */
static napi_value SignalThenWait(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, NULL)) return NULL;
  int out = arg_int(env, argv[0]), in = arg_int(env, argv[1]);
  sleep_ms(arg_int(env, argv[2]));
  char byte = 1;
  if (write(out, &byte, 1) != 1 || read(in, &byte, 1) != 1) {
    napi_throw_error(env, NULL, "signalThenWait: the pipe failed");
    return NULL;
  }
  return make_undefined(env);
}

/* Allocates and touches 1 MiB blocks until malloc fails, then aborts, as most C code does
 * on an allocation failure. Without a memory limit it stops after limitMiB. */
static napi_value MallocBomb(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  int32_t cap = arg_int(env, argv[0]);
  for (int32_t i = 0; i < cap; i++) {
    char* block = malloc(1 << 20);
    if (!block) {
      fprintf(stderr, "isolation.c: malloc failed after %d MiB\n", i);
      abort();
    }
    memset(block, 1, 1 << 20);
  }
  return make_int32(env, cap);
}

/* forkBomb(n): starts n processes that each keep forking and sleeping (a bounded bomb: the
 * machine must survive the test); answers once they are started. */
static napi_value ForkBomb(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  int32_t n = arg_int(env, argv[0]);
#ifdef _WIN32
  (void)n;
  return not_on_windows(env, "forkBomb");
#else
  int32_t started = 0;
  for (int32_t i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      /* A grandchild that leaves the process group, as a daemon would. */
      if (fork() == 0) {
        setsid();
        for (;;) pause();
      }
      for (int j = 0; j < 8; j++) {
        if (fork() == 0) break;
      }
      for (;;) pause();
    }
    if (pid > 0) started++;
  }
  return make_int32(env, started);
#endif
}

/* spew(bytes, toStderr): writes that many bytes of numbered lines to stdout or stderr. */
static napi_value Spew(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool to_stderr = false;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  double total = 0;
  NODE_API_CALL(env, napi_get_value_double(env, argv[0], &total));
  NODE_API_CALL(env, napi_get_value_bool(env, argv[1], &to_stderr));
  int fd = to_stderr ? 2 : 1;
  char line[100];
  double written = 0;
  for (long i = 0; written < total; i++) {
    int len = snprintf(line, sizeof line, "spew line %ld %s\n", i, "................................................");
    if (write(fd, line, (size_t)len) != len) break;
    written += len;
  }
  return make_double(env, written);
}

/* say(text, toStderr): one line. */
static napi_value Say(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char text[512 + 1]; /* the line and its newline */
  size_t len = 0;
  bool to_stderr = false;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_value_string_utf8(env, argv[0], text, sizeof text - 1, &len));
  NODE_API_CALL(env, napi_get_value_bool(env, argv[1], &to_stderr));
  text[len] = '\n';
#ifdef _WIN32
  /* By the process's standard handle, not msvcrt's descriptor: mingw-w64 links this addon to
   * msvcrt.dll, whose descriptor table is not Python's (the UCRT's). In-process, pytest's capture
   * moves Python's descriptors 1 and 2 (the UCRT sets the standard handles to match) and closes
   * the handles msvcrt's still name; an MSVC-built addon shares Python's table, as this does. */
  DWORD written = 0;
  HANDLE out = GetStdHandle(to_stderr ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
  if (!WriteFile(out, text, (DWORD)len + 1, &written, NULL) || written != (DWORD)len + 1) {
#else
  if (write(to_stderr ? 2 : 1, text, (unsigned)len + 1) != (int)len + 1) {
#endif
    napi_throw_error(env, NULL, "say: the write failed");
    return NULL;
  }
  return make_undefined(env);
}

/* call(fn) -> fn() (a Python callback runs while this host is busy with the call) */
static napi_value Call(napi_env env, napi_callback_info info) {
  napi_value argv[1], undefined, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_call_function(env, undefined, argv[0], 0, NULL, &result));
  return result;
}

/* The shared-memory rings of the isolated fast path (link/src/shm/ring.rs): the memory
 * file "napi-rings", whose control page holds per ring, at 384-byte steps, the write index, the
 * read index (128 bytes on) and the consumer's sleeping flag. Ring 0 carries the client's bytes
 * to the host, ring 1 the host's to the client. */
#ifndef _WIN32
static volatile uint64_t* ring_word(size_t offset) {
  FILE* maps = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long start = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    if (strstr(line, "memfd:napi-rings")) {
      sscanf(line, "%lx", &start);
      break;
    }
  }
  if (maps) fclose(maps);
  return start ? (volatile uint64_t*)(start + offset) : NULL;
}
#endif

/* breakRing(which) writes an impossible index into the rings, as a hostile or corrupted host
 * could: "head" claims the ring to the client holds far more than it can, then wakes the client
 * and keeps still (its own index would otherwise overwrite the claim when it answers); "tail"
 * claims the host read more of the ring to it than the client ever wrote, and returns. */
static napi_value BreakRing(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char which[8];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  arg_string(env, argv[0], which, sizeof which);
  int head = strcmp(which, "head") == 0;
#ifdef _WIN32
  HostLink* link = host_link(env);
  if (link == NULL) return NULL;
  *(volatile uint64_t*)(link->rings + (head ? 384 : 128)) = (uint64_t)1 << 40;
  if (head) {
    host_link_wake_all(link);
    sleep_forever();
  }
  return make_undefined(env);
#else
  volatile uint64_t* word = ring_word(head ? 384 : 128);
  if (word == NULL) {
    napi_throw_error(env, NULL, "no napi-rings mapping in this process");
    return NULL;
  }
  *word = (uint64_t)1 << 40;
  if (head) {
    send(host_socket(0), "!", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
    sleep_forever();
  }
  return make_undefined(env);
#endif
}

static napi_value Pid(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef _WIN32
  return make_int32(env, (int32_t)GetCurrentProcessId());
#else
  return make_int32(env, (int32_t)getpid());
#endif
}

/* The kernel's id of the thread running the call: in-process direct calls run on the
 * calling Python thread (threading.get_native_id(), GetCurrentThreadId on Windows), the others
 * on the host's thread. */
static napi_value ThreadId(napi_env env, napi_callback_info info) {
  (void)info;
#ifdef _WIN32
  return make_int32(env, (int32_t)GetCurrentThreadId());
#else
  return make_int32(env, (int32_t)gettid());
#endif
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("add", AddNumbers),
      DECLARE_METHOD("stackOverflow", StackOverflow),
      DECLARE_METHOD("exitZero", ExitZero),
      DECLARE_METHOD("closeSocket", CloseSocket),
      DECLARE_METHOD("fatalError", FatalError),
      DECLARE_METHOD("assertWithBacktrace", AssertWithBacktrace),
      DECLARE_METHOD("spin", Spin),
      DECLARE_METHOD("pause", Pause),
      DECLARE_METHOD("sleepMs", SleepMs),
      DECLARE_METHOD("signalThenWait", SignalThenWait),
      DECLARE_METHOD("mallocBomb", MallocBomb),
      DECLARE_METHOD("forkBomb", ForkBomb),
      DECLARE_METHOD("spew", Spew),
      DECLARE_METHOD("say", Say),
      DECLARE_METHOD("hostPid", Pid),
      DECLARE_METHOD("threadId", ThreadId),
      DECLARE_METHOD("call", Call),
      DECLARE_METHOD("breakRing", BreakRing),
  };
  return EXPORT_METHODS(env, exports, methods);
}
