// SIGBUS guard for mapped model files (cemberformat.h). The handler only reads the slot table
// (atomics), calls mmap and sigaction (system calls, safe in a handler on Linux) and counts.
#define _GNU_SOURCE
#include "cemberformat.h"
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { SLOTS = 256 };

struct slot {
    _Atomic uintptr_t base;  // 0: free, 1: being claimed; the real base is published last
    _Atomic size_t length;
    _Atomic unsigned faults;
};

static struct slot slots[SLOTS];
static struct sigaction previous;
static uintptr_t page_size;
static atomic_int installed;  // 0 no, 1 installing, 2 yes, -1 failed

static void on_sigbus(int signal_number, siginfo_t *info, void *context) {
    (void)context;
    const uintptr_t address = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        const uintptr_t base = atomic_load_explicit(&slots[i].base, memory_order_acquire);
        if (base == 0) continue;
        const size_t length = atomic_load_explicit(&slots[i].length, memory_order_relaxed);
        if (address - base >= length) continue;
        // Zero pages from the faulting page to the end of the mapping: everything past the
        // file's new end would fault too. The retried read then sees zeros.
        const uintptr_t page = address & ~(page_size - 1);
        const uintptr_t end = (base + length + page_size - 1) & ~(page_size - 1);
        void *mapped = mmap((void *)page, end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (mapped == MAP_FAILED) break;
        atomic_fetch_add_explicit(&slots[i].faults, 1, memory_order_relaxed);
        return;
    }
    // Not a guarded mapping: put back what was there and let the read fault again under it
    // (the default action, or the Swift runtime's crash handler).
    sigaction(signal_number, &previous, NULL);
}

static int install(void) {
    int state = atomic_load(&installed);
    if (state == 2) return 0;
    if (state == -1) return -1;
    int expected = 0;
    if (atomic_compare_exchange_strong(&installed, &expected, 1)) {
        page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_sigbus;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        atomic_store(&installed, sigaction(SIGBUS, &action, &previous) == 0 ? 2 : -1);
    }
    while ((state = atomic_load(&installed)) == 1) {}  // another thread is installing
    return state == 2 ? 0 : -1;
}

int cemberformat_guard_add(const void *base, size_t length) {
    if (base == NULL || length == 0 || install() != 0) return -1;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t expected = 0;
        // Claim with a placeholder base; a free slot's length is 0, so no address matches it
        // until the real base is published.
        if (atomic_compare_exchange_strong(&slots[i].base, &expected, (uintptr_t)1)) {
            atomic_store_explicit(&slots[i].faults, 0, memory_order_relaxed);
            atomic_store_explicit(&slots[i].length, length, memory_order_relaxed);
            atomic_store_explicit(&slots[i].base, (uintptr_t)base, memory_order_release);
            return i;
        }
    }
    return -1;
}

unsigned cemberformat_guard_faults(int id) {
    if (id < 0 || id >= SLOTS) return 0;
    return atomic_load_explicit(&slots[id].faults, memory_order_relaxed);
}

void cemberformat_guard_remove(int id) {
    if (id < 0 || id >= SLOTS) return;
    atomic_store_explicit(&slots[id].length, 0, memory_order_relaxed);  // matches nothing from here on
    atomic_store_explicit(&slots[id].base, 0, memory_order_release);
}
