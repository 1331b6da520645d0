// A small fork-join thread pool: `threads` counts the caller, which works too. Workers spin
// briefly for the next job, then sleep on a condition variable. parallel_for allocates nothing.
//
// Both waits spin for a time, not a count of loads: SPIN_NS. A sleeping thread costs a futex
// wake-up (tens of µs in a VM), and an inference is tens of operators a few µs apart, so a
// caller that slept whenever its half finished first (it used to give up after 20 000 loads,
// about 20 µs) lost more than the second thread gained.
//
// Tasks are claimed from one 64-bit word, state = generation << 32 | next task. A job is
// published in three steps: state = (new generation, CLOSED); write fn, ctx, tasks, finished;
// state = (new generation, 0). A worker reads the job's fields only after seeing its generation
// open, and claims with a compare-exchange on the whole word, so a worker that wakes late for a
// finished job can never run a task of the next one (all accesses sequentially consistent).
//
// `active` (set_active) lets a caller use fewer threads than the pool has, as emberd's governor
// does under thermal pressure: workers numbered at or above it neither spin nor take tasks, they
// sleep (waking once per job to see it is not theirs), so the cores they would load stay idle.
//
// `pin` (optional) confines the workers to a set of CPUs, the cores the governor chose: each
// worker may run on any of them, so the kernel still balances a job across the set.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  // pthread_setaffinity_np, CPU_SET
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "ember_kernels.h"

#define CLOSED 0xFFFFFFFFu  // task index while a job's fields are being written
#define SPIN_NS 1000000     // how long a waiting thread spins before it sleeps

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

// One step of a spin: a CPU hint that this is a wait loop, and every 64 steps a yield (if the
// threads outnumber the CPUs the thread we wait for may need this one) and a look at the clock.
// Returns 0 once SPIN_NS have passed since `start`.
static int spin_step(unsigned spin, uint64_t start) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
    if ((spin & 63) != 63) return 1;
    sched_yield();
    return now_ns() - start < SPIN_NS;
}

struct ember_threadpool {
    size_t threads;                  // including the caller
    pthread_t *workers;              // threads - 1
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    void (*fn)(void *, size_t);      // the current job (atomic accesses)
    void *ctx;
    size_t tasks;
    uint64_t state;                  // generation << 32 | next task to claim
    size_t finished;                 // tasks of the current job finished
    int stop;
    size_t active;                   // threads that take part, including the caller
    size_t started;                  // workers started so far: each takes the next number
};

static inline uint32_t generation_of(uint64_t state) { return (uint32_t)(state >> 32); }

static void run_tasks(ember_threadpool *p, uint32_t gen) {
    uint64_t s;
    for (int spin = 0;; spin++) {  // wait until job `gen` is open (the caller is a few stores away)
        s = __atomic_load_n(&p->state, __ATOMIC_SEQ_CST);
        if (generation_of(s) != gen) return;
        if ((uint32_t)s != CLOSED) break;
        if ((spin & 63) == 63) sched_yield();
    }
    // If these are already the next job's fields, that job closed this generation before
    // writing them, so every claim below fails.
    const size_t tasks = __atomic_load_n(&p->tasks, __ATOMIC_SEQ_CST);
    void (*fn)(void *, size_t) = __atomic_load_n(&p->fn, __ATOMIC_SEQ_CST);
    void *ctx = __atomic_load_n(&p->ctx, __ATOMIC_SEQ_CST);
    for (;;) {
        if (generation_of(s) != gen || (uint32_t)s >= tasks) break;
        if (!__atomic_compare_exchange_n(&p->state, &s, s + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) continue;
        fn(ctx, (uint32_t)s);
        if (__atomic_add_fetch(&p->finished, 1, __ATOMIC_SEQ_CST) == tasks) {
            pthread_mutex_lock(&p->lock);
            pthread_cond_broadcast(&p->done);
            pthread_mutex_unlock(&p->lock);
        }
        s = __atomic_load_n(&p->state, __ATOMIC_SEQ_CST);
    }
}

static void *worker_main(void *arg) {
    ember_threadpool *p = (ember_threadpool *)arg;
    const size_t index = __atomic_add_fetch(&p->started, 1, __ATOMIC_SEQ_CST);  // 1...threads-1; the caller is 0
    uint32_t seen = 0;
    for (;;) {
        // Spin briefly: back-to-back operators of one inference arrive microseconds apart. A
        // worker left out by set_active goes straight to sleep.
        uint32_t gen = generation_of(__atomic_load_n(&p->state, __ATOMIC_SEQ_CST));
        const int resting = index >= __atomic_load_n(&p->active, __ATOMIC_SEQ_CST);
        const uint64_t start = now_ns();
        for (unsigned spin = 0; !resting && gen == seen && spin_step(spin, start); spin++) {
            if (__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST)) return NULL;
            gen = generation_of(__atomic_load_n(&p->state, __ATOMIC_SEQ_CST));
        }
        if (gen == seen) {
            pthread_mutex_lock(&p->lock);
            while ((gen = generation_of(__atomic_load_n(&p->state, __ATOMIC_SEQ_CST))) == seen &&
                   !__atomic_load_n(&p->stop, __ATOMIC_SEQ_CST))
                pthread_cond_wait(&p->wake, &p->lock);
            const int stop = __atomic_load_n(&p->stop, __ATOMIC_SEQ_CST);
            pthread_mutex_unlock(&p->lock);
            if (stop) return NULL;
        }
        seen = gen;
        if (index >= __atomic_load_n(&p->active, __ATOMIC_SEQ_CST)) continue;  // the others do this job
        run_tasks(p, gen);
    }
}

ember_threadpool *ember_threadpool_create(size_t threads) {
    if (threads == 0) threads = 1;
    ember_threadpool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = 1;  // grows as workers start, so destroy joins exactly the started ones
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    p->active = threads;
    if (threads > 1) {
        p->workers = calloc(threads - 1, sizeof(pthread_t));
        if (!p->workers) { ember_threadpool_destroy(p); return NULL; }
        for (size_t i = 0; i + 1 < threads; i++) {
            if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) { ember_threadpool_destroy(p); return NULL; }
            p->threads = i + 2;
        }
    }
    return p;
}

void ember_threadpool_destroy(ember_threadpool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    __atomic_store_n(&p->stop, 1, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i + 1 < p->threads; i++) pthread_join(p->workers[i], NULL);
    free(p->workers);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

size_t ember_threadpool_threads(const ember_threadpool *p) { return p ? p->threads : 1; }

void ember_threadpool_set_active(ember_threadpool *p, size_t threads) {
    if (!p) return;
    if (threads < 1) threads = 1;
    if (threads > p->threads) threads = p->threads;
    __atomic_store_n(&p->active, threads, __ATOMIC_SEQ_CST);
}

int ember_threadpool_pin(ember_threadpool *p, const int *cpus, size_t count) {
    if (!p || !cpus || count == 0) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    for (size_t i = 0; i < count; i++) {
        if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
        CPU_SET(cpus[i], &set);
    }
    int first_error = 0;
    for (size_t i = 0; i + 1 < p->threads; i++) {  // every worker is tried; a failed one keeps its affinity
        const int rc = pthread_setaffinity_np(p->workers[i], sizeof set, &set);
        if (rc != 0 && first_error == 0) first_error = rc;
    }
    return first_error;
}

void ember_threadpool_parallel_for(ember_threadpool *p, size_t tasks, void (*fn)(void *, size_t), void *ctx) {
    if (tasks == 0) return;
    if (!p || p->threads == 1 || tasks == 1 || tasks >= CLOSED) {
        for (size_t i = 0; i < tasks; i++) fn(ctx, i);
        return;
    }
    pthread_mutex_lock(&p->lock);
    uint32_t gen = generation_of(__atomic_load_n(&p->state, __ATOMIC_SEQ_CST)) + 1;
    if (gen == 0) gen = 1;  // 0 is what a fresh worker has "seen"
    __atomic_store_n(&p->state, ((uint64_t)gen << 32) | CLOSED, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->fn, fn, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->ctx, ctx, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->tasks, tasks, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->finished, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->state, (uint64_t)gen << 32, __ATOMIC_SEQ_CST);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);

    run_tasks(p, gen);
    // Spin a little for stragglers, then sleep until the last task signals `done`.
    const uint64_t start = now_ns();
    for (unsigned spin = 0; spin_step(spin, start); spin++)
        if (__atomic_load_n(&p->finished, __ATOMIC_SEQ_CST) == tasks) return;
    pthread_mutex_lock(&p->lock);
    while (__atomic_load_n(&p->finished, __ATOMIC_SEQ_CST) != tasks) pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
