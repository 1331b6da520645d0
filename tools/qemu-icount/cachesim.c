// qemu TCG plugin: the guest's data accesses through a model of a board's cache hierarchy, to
// count the cache lines each level fetches from the next and the lines fetched from DRAM. Not a
// timing model: set-associative, LRU, 64-byte lines, write-allocate, every level looked up in
// turn (a miss fills every level above the one that hit); instruction fetches and prefetching
// are not modelled. Single-threaded guests only (one cache, no locking).
//
//   qemu-aarch64 -cpu cortex-a72 -plugin ./libcachesim.so,l1=32k:2,l2=1m:16 -d plugin ./prog
//     l1=SIZE:WAYS, l2=SIZE:WAYS, l3=SIZE:WAYS   sizes with k or m; l1 is required, l2 and l3 optional
//     top=N   also list the N symbols whose accesses missed the last level most (default 0)
//
// Prints "cachesim accesses N" and "cachesim L<i> misses N" per level; the last level's misses
// are the lines read from DRAM ("cachesim dram_bytes" = those × 64); with top=N,
// "cachesim symbol NAME MISSES" lines (symbols come from the guest executable and its libraries).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qemu-plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum { LINE_SHIFT = 6, MAX_LEVELS = 3, MAX_WAYS = 32 };

typedef struct {
    uint64_t sets, ways;
    uint64_t *tags;   // sets × ways line addresses + 1 (0 = empty), most recently used first
    uint64_t misses;
} cache_level;

static cache_level levels[MAX_LEVELS];
static int nlevels;
static uint64_t accesses;

enum { MAX_SYMBOLS = 8192 };
typedef struct { const char *name; uint64_t misses; } symbol_misses;
static symbol_misses symbols[MAX_SYMBOLS];
static size_t nsymbols;
static symbol_misses other = {"(no symbol)", 0};
static size_t top;

static symbol_misses *slot(const char *name) {
    if (!name) return &other;
    for (size_t i = 0; i < nsymbols; i++)  // translation time only
        if (symbols[i].name == name || strcmp(symbols[i].name, name) == 0) return &symbols[i];
    if (nsymbols == MAX_SYMBOLS) return &other;
    symbols[nsymbols].name = name;
    return &symbols[nsymbols++];
}

// Looks `line` up in one level; on a hit moves it to the front of its set, on a miss inserts it
// there and drops the least recently used. Returns whether it hit.
static int touch(cache_level *c, uint64_t line) {
    uint64_t *set = c->tags + (line % c->sets) * c->ways;
    const uint64_t tag = line + 1;
    uint64_t w = 0;
    while (w < c->ways && set[w] != tag) w++;
    const int hit = w < c->ways;
    if (!hit) { c->misses++; w = c->ways - 1; }
    memmove(set + 1, set, w * sizeof *set);
    set[0] = tag;
    return hit;
}

// Whether the line missed every level.
static int access_line(uint64_t line) {
    for (int i = 0; i < nlevels; i++)
        if (touch(&levels[i], line)) return 0;
    return 1;
}

static void on_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata) {
    (void)vcpu;
    const uint64_t size = 1ull << qemu_plugin_mem_size_shift(info);
    accesses++;
    const uint64_t first = vaddr >> LINE_SHIFT, last = (vaddr + size - 1) >> LINE_SHIFT;
    for (uint64_t line = first; line <= last; line++)
        if (access_line(line)) ((symbol_misses *)udata)->misses++;
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++)
    {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        qemu_plugin_register_vcpu_mem_cb(insn, on_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         slot(qemu_plugin_insn_symbol(insn)));
    }
}

static int by_misses(const void *a, const void *b) {
    const uint64_t x = ((const symbol_misses *)a)->misses, y = ((const symbol_misses *)b)->misses;
    return x < y ? 1 : (x > y ? -1 : 0);
}

static void report(qemu_plugin_id_t id, void *p) {
    (void)id; (void)p;
    char line[256];
    snprintf(line, sizeof line, "cachesim accesses %llu\n", (unsigned long long)accesses);
    qemu_plugin_outs(line);
    for (int i = 0; i < nlevels; i++) {
        snprintf(line, sizeof line, "cachesim L%d misses %llu\n", i + 1, (unsigned long long)levels[i].misses);
        qemu_plugin_outs(line);
    }
    snprintf(line, sizeof line, "cachesim dram_bytes %llu\n", (unsigned long long)(levels[nlevels - 1].misses << LINE_SHIFT));
    qemu_plugin_outs(line);
    if (!top) return;
    qsort(symbols, nsymbols, sizeof symbols[0], by_misses);
    for (size_t i = 0; i < nsymbols && i < top; i++) {
        snprintf(line, sizeof line, "cachesim symbol %.200s %llu\n", symbols[i].name, (unsigned long long)symbols[i].misses);
        qemu_plugin_outs(line);
    }
    snprintf(line, sizeof line, "cachesim symbol %s %llu\n", other.name, (unsigned long long)other.misses);
    qemu_plugin_outs(line);
}

// "32k:2" -> a level of 32 KiB, 2 ways.
static int parse_level(const char *spec, cache_level *c) {
    char *end;
    uint64_t bytes = strtoull(spec, &end, 10);
    if (*end == 'k' || *end == 'K') { bytes <<= 10; end++; }
    else if (*end == 'm' || *end == 'M') { bytes <<= 20; end++; }
    if (*end != ':') return -1;
    const uint64_t ways = strtoull(end + 1, &end, 10);
    if (*end || ways == 0 || ways > MAX_WAYS || bytes == 0 || bytes % (ways << LINE_SHIFT)) return -1;
    c->ways = ways;
    c->sets = bytes / (ways << LINE_SHIFT);
    c->tags = calloc(c->sets * c->ways, sizeof *c->tags);
    return c->tags ? 0 : -1;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "top=", 4)) { top = strtoul(argv[i] + 4, NULL, 10); continue; }
        const int level = argv[i][0] == 'l' && argv[i][1] >= '1' && argv[i][1] <= '3' && argv[i][2] == '=' ? argv[i][1] - '1' : -1;
        if (level < 0 || level != nlevels || parse_level(argv[i] + 3, &levels[level]) != 0) {
            fprintf(stderr, "cachesim: bad option '%s' (want l1=SIZE:WAYS, then l2=, l3=; SIZE like 32k or 1m)\n", argv[i]);
            return -1;
        }
        nlevels++;
    }
    if (nlevels == 0) { fprintf(stderr, "cachesim: give at least l1=SIZE:WAYS\n"); return -1; }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, report, NULL);
    return 0;
}
