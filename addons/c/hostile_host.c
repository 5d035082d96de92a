/* A compromised host: once called, the addon takes over the host's streams -- the
 * shared-memory ring to the client, the socket beside it, the event ring -- and plays an
 * attack on the client, then keeps the JS thread (so nothing of the real host answers after it).
 * tests/isolation/test_hostile_host.py asserts that Python raises, in bounded time, memory and
 * descriptors, and recovers.
 *
 * The frames are written by hand in the protocol's encoding (protocol/src/codec.rs: bincode's
 * standard configuration, little-endian, variable-length integers; a frame is a u32 length and
 * the payload). Variant indices of ServerMessage: Reply 1, Settled 3, Uncaught 4, Segment 5,
 * Returned 7; of Outcome: Ok 0; of Value: Undefined 0, Array 6. The ring layout is
 * link/src/shm/ring.rs's: a 4096-byte control page (per ring, 384 bytes apart: the write index,
 * the read index 128 bytes on, the sleeping flag 256 bytes on), then 1 MiB to the host,
 * 1 MiB to the client and 1 MiB of events to the client.
 *
 * Built for Windows too (scripts/windows addons): there the link is the rings' file mapping, a
 * named pipe per stream (which carries handle values where Linux passes descriptors) and the
 * client's wake-up events, found by host_link_windows.h; on Linux, the memfd in
 * /proc/self/maps and the host's Unix sockets (host_sockets.h). */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include "host_link_windows.h"
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host_sockets.h"
#endif

#include "common.h"

#define RING_CAPACITY (1u << 20)

/* Which stream a ring belongs to: its bell, and on Linux its socket (host_socket's `which`). */
enum { MAIN_STREAM = 0, EVENT_STREAM = 1 };

/* A ring the host writes: its control words, its bytes and the stream whose bell wakes its
 * reader. */
typedef struct {
  size_t control, data;
  int stream;
} Ring;

static const Ring TO_CLIENT = {384, 4096 + RING_CAPACITY, MAIN_STREAM};
static const Ring EVENTS = {2 * 384, 4096 + 2 * RING_CAPACITY, EVENT_STREAM};

/* ---- encoding ---- */

typedef struct {
  uint8_t* bytes;
  size_t len, cap;
} Buf;

static void put(Buf* b, const void* p, size_t n) {
  if (b->len + n > b->cap) {
    b->cap = (b->len + n) * 2;
    b->bytes = realloc(b->bytes, b->cap);
  }
  memcpy(b->bytes + b->len, p, n);
  b->len += n;
}

static void put_byte(Buf* b, uint8_t v) { put(b, &v, 1); }

/* bincode's variable-length integer. */
static void varint(Buf* b, uint64_t v) {
  if (v < 251) {
    put_byte(b, (uint8_t)v);
  } else if (v <= 0xffff) {
    put_byte(b, 251);
    uint16_t x = (uint16_t)v;
    put(b, &x, 2);
  } else if (v <= 0xffffffffu) {
    put_byte(b, 252);
    uint32_t x = (uint32_t)v;
    put(b, &x, 4);
  } else {
    put_byte(b, 253);
    put(b, &v, 8);
  }
}

/* An array nested `depth` deep around undefined. */
static void deep_value(Buf* b, uint32_t depth) {
  for (uint32_t i = 0; i < depth; i++) {
    put_byte(b, 6);
    put_byte(b, 1);
  }
  put_byte(b, 0);
}

/* Wraps `payload` as a frame. */
static Buf frame(Buf* payload) {
  Buf f = {0};
  uint32_t len = (uint32_t)payload->len;
  put(&f, &len, 4);
  put(&f, payload->bytes, payload->len);
  free(payload->bytes);
  return f;
}

/* ---- the streams, taken over ---- */

static uint8_t* rings;

#ifdef _WIN32
static HostLink link;

static int find_rings(void) {
  if (!rings && host_link_find(&link)) rings = link.rings;
  return rings != NULL;
}

/* Wakes the client's reader of `stream`, with every other reader of the link (see
 * host_link_windows.h). */
static void ring_bell(int stream) {
  (void)stream;
  host_link_wake_all(&link);
}

static void pause_a_moment(void) { Sleep(1); }

/* Writes `n` bytes to the pipe of `stream` (opened for overlapped I/O), waiting for the write:
 * 0 once the client no longer reads it. */
static int pipe_write(int stream, const void* p, DWORD n) {
  OVERLAPPED o = {0};
  o.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
  DWORD done = 0;
  BOOL ok = WriteFile(link.pipe[stream], p, n, NULL, &o) || GetLastError() == ERROR_IO_PENDING;
  ok = ok && GetOverlappedResult(link.pipe[stream], &o, &done, TRUE) && done == n;
  CloseHandle(o.hEvent);
  return ok;
}

/* Sends `count` handles on the main pipe as the host's link does: each a new handle of this
 * process (the client pulls it out and closes it here), its value 8 bytes, little-endian. */
static int send_handles(const HANDLE* handles, int count) {
  uint64_t values[8];
  for (int i = 0; i < count; i++) {
    HANDLE copy;
    if (!DuplicateHandle(GetCurrentProcess(), handles[i], GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) return -1;
    values[i] = (uint64_t)(uintptr_t)copy;
  }
  return pipe_write(MAIN_STREAM, values, (DWORD)(sizeof values[0] * count)) ? 0 : -1;
}
#else
/* The rings as this process mapped them (the memory file the client made, napi-rings). */
static int find_rings(void) {
  if (rings) return 1;
  FILE* maps = fopen("/proc/self/maps", "r");
  if (!maps) return 0;
  char line[512];
  while (fgets(line, sizeof line, maps)) {
    if (strstr(line, "napi-rings")) {
      rings = (uint8_t*)(uintptr_t)strtoull(line, NULL, 16);
      break;
    }
  }
  fclose(maps);
  return rings != NULL;
}

static void ring_bell(int stream) { send(host_socket(stream), "\1", 1, MSG_DONTWAIT | MSG_NOSIGNAL); }

static void pause_a_moment(void) { usleep(1000); }

/* Sends `fds` on the main socket with one byte, as the link passes descriptors. */
static int send_handles(const int* fds, int count) {
  char control[CMSG_SPACE(sizeof(int) * 8)];
  memset(control, 0, sizeof control);
  struct iovec iov = {.iov_base = "\0", .iov_len = 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = CMSG_SPACE(sizeof(int) * count)};
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * count);
  memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
  return sendmsg(host_socket(MAIN_STREAM), &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}
#endif

/* Writes `n` bytes into `ring` as the host's producer would, and rings the bell. */
static void ring_write(Ring ring, const uint8_t* p, size_t n) {
  _Atomic uint64_t* head = (_Atomic uint64_t*)(rings + ring.control);
  _Atomic uint64_t* tail = (_Atomic uint64_t*)(rings + ring.control + 128);
  _Atomic uint32_t* sleeping = (_Atomic uint32_t*)(rings + ring.control + 256);
  uint8_t* data = rings + ring.data;
  while (n > 0) {
    uint64_t h = atomic_load(head), room = RING_CAPACITY - (h - atomic_load(tail));
    size_t chunk = n < room ? n : (size_t)room;
    for (size_t i = 0; i < chunk; i++) data[(h + i) & (RING_CAPACITY - 1)] = p[i];
    atomic_store(head, h + chunk);
    p += chunk;
    n -= chunk;
    if (atomic_exchange(sleeping, 0)) ring_bell(ring.stream);
    if (chunk == 0) pause_a_moment(); /* the client reads or gives up: its business */
  }
}

static void ring_frame(Ring ring, Buf* payload) {
  Buf f = frame(payload);
  ring_write(ring, f.bytes, f.len);
  free(f.bytes);
}

/* What a compromised host does after its attack: nothing more, ever (the client must end it). */
static napi_value hold(void) {
#ifdef _WIN32
  for (;;) Sleep(INFINITE);
#else
  for (;;) pause();
#endif
  return NULL;
}

static napi_value takeover_failed(napi_env env) {
#ifdef _WIN32
  char message[160];
  snprintf(message, sizeof message, "hostile: the host's link was not found (%s)", link.found);
  napi_throw_error(env, NULL, message);
#else
  napi_throw_error(env, NULL, "hostile: the host's rings were not found");
#endif
  return NULL;
}

/* ---- the attacks ---- */

static uint32_t uint_arg(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint32_t n = 0;
  if (get_args(env, info, 1, argv, NULL)) napi_get_value_uint32(env, argv[0], &n);
  return n;
}

/* deepReply(depth): a reply whose value is nested `depth` deep. */
static napi_value DeepReply(napi_env env, napi_callback_info info) {
  uint32_t depth = uint_arg(env, info);
  if (!find_rings()) return takeover_failed(env);
  Buf p = {0};
  put_byte(&p, 1); /* Reply */
  varint(&p, 1); /* id */
  varint(&p, 0); /* chain */
  put_byte(&p, 0); /* Ok */
  deep_value(&p, depth);
  ring_frame(TO_CLIENT, &p);
  return hold();
}

/* deepEvent(depth): an uncaught exception on the event ring whose value is nested deep. */
static napi_value DeepEvent(napi_env env, napi_callback_info info) {
  uint32_t depth = uint_arg(env, info);
  if (!find_rings()) return takeover_failed(env);
  Buf p = {0};
  put_byte(&p, 4); /* Uncaught */
  deep_value(&p, depth);
  put_byte(&p, 0); /* error: None */
  put_byte(&p, 0); /* python: None */
  ring_frame(EVENTS, &p);
  return hold();
}

/* garbageEvent(): an event frame that is no message at all. */
static napi_value GarbageEvent(napi_env env, napi_callback_info info) {
  (void)info;
  if (!find_rings()) return takeover_failed(env);
  static const uint8_t garbage[] = {8, 0, 0, 0, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8};
  ring_write(EVENTS, garbage, sizeof garbage);
  return hold();
}

/* forgedReply(id): a well-formed reply (undefined) to a request `id` the client never sent. */
static napi_value ForgedReply(napi_env env, napi_callback_info info) {
  uint32_t id = uint_arg(env, info);
  if (!find_rings()) return takeover_failed(env);
  Buf p = {0};
  put_byte(&p, 1);
  varint(&p, id);
  varint(&p, 0);
  put_byte(&p, 0);
  put_byte(&p, 0);
  ring_frame(TO_CLIENT, &p);
  return hold();
}

/* partialFrame(announced, sent): a frame header announcing `announced` payload bytes (or, for
 * 0, only two bytes of a header), then `sent` bytes of it, then silence. */
static napi_value PartialFrame(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t announced = 0, sent = 0;
  if (get_args(env, info, 2, argv, NULL)) {
    napi_get_value_uint32(env, argv[0], &announced);
    napi_get_value_uint32(env, argv[1], &sent);
  }
  if (!find_rings()) return takeover_failed(env);
  if (announced == 0) {
    ring_write(TO_CLIENT, (const uint8_t*)"\x10\x00", 2);
    return hold();
  }
  ring_write(TO_CLIENT, (const uint8_t*)&announced, 4);
  uint8_t* zeros = calloc(sent ? sent : 1, 1);
  ring_write(TO_CLIENT, zeros, sent);
  free(zeros);
  return hold();
}

/* Settlements of promises the client never subscribed to, `count` of them, on `ring`. */
static napi_value SettleUnknown(napi_env env, napi_callback_info info, Ring ring) {
  uint32_t count = uint_arg(env, info);
  if (!find_rings()) return takeover_failed(env);
  for (uint32_t i = 0; i < count; i++) {
    Buf p = {0};
    put_byte(&p, 3); /* Settled */
    varint(&p, 1000000 + (uint64_t)i);
    put_byte(&p, 0);
    /* A string of 64 KiB each: a client that kept them would grow by count * 64 KiB. */
    put_byte(&p, 4);
    varint(&p, 65536);
    char* s = malloc(65536);
    memset(s, 'x', 65536);
    put(&p, s, 65536);
    free(s);
    ring_frame(ring, &p);
  }
  return hold();
}

/* unknownSettlements(count): such settlements on the main stream, ahead of the call's reply. */
static napi_value UnknownSettlements(napi_env env, napi_callback_info info) { return SettleUnknown(env, info, TO_CLIENT); }

/* unknownEventSettlements(count): such settlements on the event ring. */
static napi_value UnknownEventSettlements(napi_env env, napi_callback_info info) { return SettleUnknown(env, info, EVENTS); }

/* bogusFree(): frees a block of the client's segments the host was never given. */
static napi_value BogusFree(napi_env env, napi_callback_info info) {
  (void)info;
  if (!find_rings()) return takeover_failed(env);
  Buf p = {0};
  put_byte(&p, 7); /* Returned */
  varint(&p, 1);
  put_byte(&p, 1); /* owner: Client */
  varint(&p, 0); /* segment */
  varint(&p, 0); /* offset */
  varint(&p, 4096);
  ring_frame(TO_CLIENT, &p);
  return hold();
}

#ifdef _WIN32
typedef HANDLE Handle;
static Handle null_device(void) { return CreateFileW(L"NUL", GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL); }

/* A new section of 4096 bytes, committed (a segment as the client makes one), into `out`. */
static int new_segment(Handle* out) { return (*out = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096, NULL)) != NULL; }

static void close_handle(Handle h) { CloseHandle(h); }

static void say_on_stdout(const char* line) {
  DWORD written;
  WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), line, (DWORD)strlen(line), &written, NULL);
}
#else
typedef int Handle;
static Handle null_device(void) { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

/* A new memory file of 4096 bytes, sealed against shrinking as the client insists
 * (link/src/shm/segment.rs), into `out`. */
static int new_segment(Handle* out) {
  int fd = memfd_create("napi-shared", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd >= 0 && (ftruncate(fd, 4096) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)) {
    close(fd);
    fd = -1;
  }
  *out = fd;
  return fd >= 0;
}

static void close_handle(Handle h) { close(h); }

static void say_on_stdout(const char* line) { (void)!write(STDOUT_FILENO, line, strlen(line)); }
#endif

/* fdFlood(messages): `messages` passes of 8 descriptors (Windows: handles) each on the main
 * stream, none ever announced. */
static napi_value FdFlood(napi_env env, napi_callback_info info) {
  uint32_t messages = uint_arg(env, info);
  if (!find_rings()) return takeover_failed(env);
  Handle handles[8];
  for (int i = 0; i < 8; i++) handles[i] = null_device();
  for (uint32_t i = 0; i < messages; i++)
    if (send_handles(handles, 8) < 0) break;
  return hold();
}

/* segmentFlood(count): `count` announcements of new 4 KiB segments, each with its memory file
 * (Windows: its section). */
static napi_value SegmentFlood(napi_env env, napi_callback_info info) {
  uint32_t count = uint_arg(env, info);
  if (!find_rings()) return takeover_failed(env);
  for (uint32_t i = 0; i < count; i++) {
    Handle segment;
    if (!new_segment(&segment)) break;
    int sent = send_handles(&segment, 1);
    close_handle(segment);
    if (sent < 0) break;
    Buf p = {0};
    put_byte(&p, 5); /* Segment */
    varint(&p, 1000 + (uint64_t)i);
    varint(&p, 4096);
    ring_frame(TO_CLIENT, &p);
  }
  return hold();
}

/* stall(): says so on stdout, then never returns and never reads the ring again. */
static napi_value Stall(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  say_on_stdout("stalled\n");
  return hold();
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("add", AddNumbers),
      DECLARE_METHOD("deepReply", DeepReply),
      DECLARE_METHOD("deepEvent", DeepEvent),
      DECLARE_METHOD("garbageEvent", GarbageEvent),
      DECLARE_METHOD("forgedReply", ForgedReply),
      DECLARE_METHOD("partialFrame", PartialFrame),
      DECLARE_METHOD("unknownSettlements", UnknownSettlements),
      DECLARE_METHOD("unknownEventSettlements", UnknownEventSettlements),
      DECLARE_METHOD("bogusFree", BogusFree),
      DECLARE_METHOD("fdFlood", FdFlood),
      DECLARE_METHOD("segmentFlood", SegmentFlood),
      DECLARE_METHOD("stall", Stall),
  };
  return EXPORT_METHODS(env, exports, methods);
}
