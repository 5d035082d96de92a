/* loop_state.h on Windows, where libuv's loop is an I/O completion port (src/win/core.c) rather
 * than a descriptor polled by the kernel: what loop_state.c reads of a Unix loop, read here of a
 * Windows one. */
#include "loop_state.h"

size_t napi_libuv_alignment(void) {
  return _Alignof(max_align_t);
}

/* A Windows loop hands a handle to its completion port when the handle starts (uv_read_start,
 * uv_pipe_connect...), not at its next turn: no watcher ever waits to be registered. */
int napi_libuv_has_new_watchers(const uv_loop_t* loop) {
  (void) loop;
  return 0;
}

uint64_t napi_libuv_timer_counter(const uv_loop_t* loop) {
  return loop->timer_counter; /* uv_timer_start takes its next value */
}

int napi_libuv_changed_since(const uv_loop_t* loop, uint64_t timers_at_sleep) {
  /* No watcher queue here; uv_backend_timeout's tests (src/win/core.c) read as they are. */
  return loop->timer_counter != timers_at_sleep || uv_backend_timeout(loop) == 0;
}

/* uv_async_send posts a packet to the completion port (src/win/async.c): it waits in the kernel,
 * not in memory a spin could read, so the spin never sees it and the host's wait on the port does. */
int napi_libuv_async_pending(uv_loop_t* loop) {
  (void) loop;
  return 0;
}

/* The loop's completion port, which napi-host's watcher thread waits on (server/host/src/uv_loop/
 * completion_port.rs): a port is no handle a wait can join, so a thread takes each packet from it
 * and gives it back, as Electron does with node's loop. */
HANDLE napi_libuv_iocp(const uv_loop_t* loop) {
  return loop->iocp;
}
