/* What napi-host reads of a loop's private state (server/host/src/uv_loop.rs), read here in C
 * against uv.h so that no layout of libuv's structs is written down in Rust. */
#ifndef NAPI_LIBUV_LOOP_STATE_H
#define NAPI_LIBUV_LOOP_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "uv.h"

/* The alignment malloc gives, which libuv's own allocations (uv_loop_new) rely on: memory for a
 * struct libuv sizes at run time (uv_loop_size, uv_handle_size) is allocated with it. */
size_t napi_libuv_alignment(void);

/* Whether the loop has watchers to hand to the kernel: descriptors polled since its last turn. */
int napi_libuv_has_new_watchers(const uv_loop_t* loop);

/* How many timers were ever started on the loop: a change means a new deadline. */
uint64_t napi_libuv_timer_counter(const uv_loop_t* loop);

/* Whether the loop changed since the host thread went to sleep with `timers_at_sleep` timers
 * started: a timer started, watchers to hand to the kernel, or what has uv_backend_timeout answer
 * 0 (callbacks pending, idle or closing handles, a stop, nothing alive), in one call. A timer
 * already due by the loop's own clock needs no look: the host thread slept until the first one. */
int napi_libuv_changed_since(const uv_loop_t* loop, uint64_t timers_at_sleep);

/* Whether a uv_async_send waits for the loop, its write to the loop's descriptor done. */
int napi_libuv_async_pending(uv_loop_t* loop);

#ifdef _WIN32
/* The loop's I/O completion port (loop_state_win.c). */
HANDLE napi_libuv_iocp(const uv_loop_t* loop);
#endif

#endif
