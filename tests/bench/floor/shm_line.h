/* The spinning shared-memory round trip: the floor an isolated call is measured against.
 *
 * Two cache lines in a shared mapping, one per direction. A side posts a message by writing its
 * payload and then a new sequence number; the other side spins on that number for up to
 * SPIN_NS, as the rings of the isolated transport do before they sleep, and then sleeps on a
 * futex (its `sleeping` flag up, so that the poster knows to wake it) where the transport sleeps
 * on its socket. No system call is made while both sides are busy, so a round trip is two
 * hand-offs of cache lines between the CPUs and the work around them, nothing more. */
#ifndef BENCH_SHM_LINE_H
#define BENCH_SHM_LINE_H

/* Includers define _GNU_SOURCE first (sched_getaffinity, CPU_COUNT; Python.h defines it). */
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 8
/* The transport's spin (link/src/spin.rs): 50 µs in all, the first 5 without yielding, the clock
 * read every 16 looks. */
#define SPIN_NS 50000
#define BACK_TO_BACK_NS 5000
#define LOOKS_PER_CLOCK 16
/* The request sequence number that tells the echo process to end. */
#define STOP UINT32_MAX

struct line {
  _Atomic uint32_t seq;
  _Atomic uint32_t sleeping;
  char payload[PAYLOAD];
} __attribute__((aligned(64)));

struct pingpong {
  struct line request; /* Python -> echo process */
  struct line reply;   /* echo process -> Python */
};

static inline int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static inline void post(struct line* l, const char* payload, uint32_t seq) {
  memcpy(l->payload, payload, PAYLOAD);
  atomic_store_explicit(&l->seq, seq, memory_order_release);
  /* Pairs with the waiter's fence between raising its flag and looking again: either it sees
   * the new number or this side sees the flag. */
  atomic_thread_fence(memory_order_seq_cst);
  if (atomic_load_explicit(&l->sleeping, memory_order_relaxed))
    syscall(SYS_futex, &l->seq, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Whether this process may run on more than one CPU: on one, the peer needs this CPU to answer,
 * and a waiter sleeps at once, as the transport's do. */
static inline bool several_cpus(void) {
  static int several = -1;
  if (several < 0) {
    cpu_set_t set;
    several = sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 1;
  }
  return several;
}

/* Waits until `l`'s sequence number is no longer `old`; false if `timeout_ns` passed first. The
 * spin is the transport's: looks back to back for BACK_TO_BACK_NS, then the CPU yielded between
 * rounds of looks (so a runnable peer on this CPU goes first), until SPIN_NS; then sleep. */
static inline bool wait_for_change(struct line* l, uint32_t old, int64_t timeout_ns) {
  int64_t start = now_ns(), deadline = start + timeout_ns;
  if (atomic_load_explicit(&l->seq, memory_order_acquire) != old) return true;
  while (several_cpus()) {
    for (int i = 0; i < LOOKS_PER_CLOCK; i++) {
      if (atomic_load_explicit(&l->seq, memory_order_acquire) != old) return true;
      __builtin_ia32_pause();
    }
    int64_t spent = now_ns() - start;
    if (spent >= SPIN_NS) break;
    if (spent >= BACK_TO_BACK_NS) sched_yield();
  }
  bool changed;
  for (;;) {
    atomic_store_explicit(&l->sleeping, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    changed = atomic_load_explicit(&l->seq, memory_order_acquire) != old;
    if (changed || now_ns() >= deadline) break;
    /* Sleeps in slices, so that the deadline is kept whatever the peer does. */
    struct timespec slice = {0, 10000000};
    syscall(SYS_futex, &l->seq, FUTEX_WAIT, old, &slice, NULL, 0);
  }
  atomic_store_explicit(&l->sleeping, 0, memory_order_relaxed);
  return changed;
}

#endif
