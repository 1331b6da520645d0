// Kernel benchmark: GOPS (2 ops per MAC) of every GEMM and depthwise path (and the ADD paths) this CPU has, for
// every MobileNetV2 1.0/224 layer shape, with 1 and 2 threads (rows split over the thread pool),
// and the per-inference total of those layers; the same for the dynamic-quantization (qd8) GEMM
// paths on all-MiniLM-L6-v2's layer shapes at 16, 64 and 128 tokens; and at 2+ threads what the
// thread pool adds to each job ("ember_threadpool"). Not a test: numbers depend on the machine.
//
//   bench_kernels [--threads 1,2] [--min-time SECONDS] [--kernel SUBSTRING[$]] [--layer I] [--once]
//                 [--model FILE.ember --layers FILE]
//     --once     run each layer exactly as often as one inference does, untimed (for counting
//                instructions under qemu with tools/qemu-icount)
//     --layer I  only layer I (0-based) of each list
//     --model, --layers  the GEMM and depthwise layers of a real model instead of the built-in
//                shapes with synthetic parameters: geometry, zero points, clamps, packed weights
//                and requantization tables as the engine runs them (the list is written by
//                tools/bench-kernels/model_layers.py); each layer once, inputs still random.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ember_kernels.h"
#include "ember_kernels_internal.h"

// One thread: the thread's CPU time, so time spent descheduled on a busy machine does not count.
// Several threads: wall time (compare those only on an idle machine; the header prints the load).
static clockid_t g_clock = CLOCK_MONOTONIC;
static double now(void) {
    struct timespec ts;
    clock_gettime(g_clock, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static uint64_t rng = 12345;
static int8_t rnd8(void) { rng = rng * 6364136223846793005ull + 1442695040888963407ull; return (int8_t)(rng >> 56); }

// MobileNetV2 1.0/224: pointwise / stem GEMMs (M = H*W, K, N, how many times in one inference).
typedef struct { size_t m, k, n, count; const char *what; } gemm_layer;
static const gemm_layer gemm_layers[] = {
    {12544, 27, 32, 1, "stem 3x3 s2 (im2col)"}, {12544, 32, 16, 1, "project"}, {12544, 16, 96, 1, "expand"},
    {3136, 96, 24, 1, "project"}, {3136, 24, 144, 2, "expand"}, {3136, 144, 24, 1, "project"},
    {784, 144, 32, 1, "project"}, {784, 32, 192, 3, "expand"}, {784, 192, 32, 2, "project"},
    {196, 192, 64, 1, "project"}, {196, 64, 384, 4, "expand"}, {196, 384, 64, 3, "project"},
    {196, 384, 96, 1, "project"}, {196, 96, 576, 3, "expand"}, {196, 576, 96, 2, "project"},
    {49, 576, 160, 1, "project"}, {49, 160, 960, 3, "expand"}, {49, 960, 160, 2, "project"},
    {49, 960, 320, 1, "project"}, {49, 320, 1280, 1, "last 1x1"}, {1, 1280, 1000, 1, "classifier"},
};
// Depthwise 3x3 layers: input H (= W), C, stride, count.
typedef struct { size_t h, c, stride, count; } dw_layer;
static const dw_layer dw_layers[] = {
    {112, 32, 1, 1}, {112, 96, 2, 1}, {56, 144, 1, 1}, {56, 144, 2, 1}, {28, 192, 1, 2},
    {28, 192, 2, 1}, {14, 384, 1, 4}, {14, 576, 1, 2}, {14, 576, 2, 1}, {7, 960, 1, 3},
};

// A real model's layers (--model, --layers): the bytes of the .ember file, and per layer the
// geometry and the file offsets of its packed weights and requantization tables.
typedef struct {
    size_t h, w, c, stride, pad_top, pad_left, oh, ow, m, k, n, kh, kw;  ///< GEMM: kh = 0 without im2col
    int in_zp, out_zp, act_min, act_max;
    size_t packed, mult, shift;
} model_layer;
static uint8_t *g_model;
static model_layer g_mdw[64], g_mgemm[128];
static size_t g_nmdw, g_nmgemm;

static int load_model(const char *model, const char *layers) {
    FILE *f = fopen(model, "rb");
    if (!f || fseek(f, 0, SEEK_END)) { fprintf(stderr, "cannot read %s\n", model); return 0; }
    const long size = ftell(f);
    rewind(f);
    g_model = aligned_alloc(64, ((size_t)size + 127) / 64 * 64);  // 64-aligned like a mapping, with tail room
    if (fread(g_model, 1, (size_t)size, f) != (size_t)size) { fprintf(stderr, "cannot read %s\n", model); return 0; }
    fclose(f);
    if (!(f = fopen(layers, "r"))) { fprintf(stderr, "cannot read %s\n", layers); return 0; }
    char kind[8];
    while (fscanf(f, "%7s", kind) == 1) {
        model_layer l = {0};
        if (!strcmp(kind, "dw") && g_nmdw < 64 &&
            fscanf(f, "%zu %zu %zu %zu %zu %zu %zu %zu %d %d %d %d %zu %zu %zu", &l.h, &l.w, &l.c, &l.stride, &l.pad_top, &l.pad_left,
                   &l.oh, &l.ow, &l.in_zp, &l.out_zp, &l.act_min, &l.act_max, &l.packed, &l.mult, &l.shift) == 15)
            g_mdw[g_nmdw++] = l;
        else if (!strcmp(kind, "gemm") && g_nmgemm < 128 &&
                 fscanf(f, "%zu %zu %zu %d %d %d %d %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu", &l.m, &l.k, &l.n, &l.in_zp, &l.out_zp,
                        &l.act_min, &l.act_max, &l.packed, &l.mult, &l.shift, &l.kh, &l.kw, &l.stride, &l.pad_top, &l.pad_left,
                        &l.h, &l.w, &l.c, &l.ow) == 19 && (!l.kh || (l.ow && l.m % l.ow == 0)))
            g_mgemm[g_nmgemm++] = l;
        else { fprintf(stderr, "%s: bad line or too many layers\n", layers); return 0; }
        if (l.packed + 64 > (size_t)size || l.mult + 4 * (l.c + l.n) > (size_t)size || l.shift + 4 * (l.c + l.n) > (size_t)size) {
            fprintf(stderr, "%s: offsets past the end of %s\n", layers, model);
            return 0;
        }
    }
    fclose(f);
    return 1;
}

// Residual ADDs: elements (H*W*C), count.
static const struct { size_t count, times; } add_layers[] = {
    {56 * 56 * 24, 1}, {28 * 28 * 32, 2}, {14 * 14 * 64, 3}, {14 * 14 * 96, 2}, {7 * 7 * 160, 2},
};

typedef struct {
    ember_qs8_add_fn fn;
    size_t count, per_task;
    const int8_t *a, *b;
    int8_t *out;
    const ember_qs8_add_params *p;
} add_job;
static void add_task(void *ctx, size_t t) {
    const add_job *j = ctx;
    const size_t b = t * j->per_task, e = b + j->per_task < j->count ? b + j->per_task : j->count;
    j->fn(e - b, j->a + b, j->b + b, j->out + b, j->p);
}

typedef struct {
    ember_qs8_gemm_fn fn;
    size_t m, n, k, rows_per_task;
    const int8_t *a;
    const void *packed;
    int8_t *out;
    const ember_qs8_output *q;
} gemm_job;
static void gemm_task(void *ctx, size_t t) {
    const gemm_job *j = ctx;
    const size_t b = t * j->rows_per_task, e = b + j->rows_per_task < j->m ? b + j->rows_per_task : j->m;
    j->fn(b, e, j->n, j->k, j->a, j->k, j->packed, j->out, j->n, j->q);
}

// all-MiniLM-L6-v2 linear layers (K, N, how many per inference: 6 layers), at M = 16/64/128 tokens.
static const struct { size_t k, n, count; const char *what; } qd8_layers[] = {
    {384, 1152, 6, "fused QKV"}, {384, 384, 6, "attention out"}, {384, 1536, 6, "FFN up"}, {1536, 384, 6, "FFN down"},
};
static const size_t qd8_tokens[] = {16, 64, 128};

typedef struct {
    ember_qd8_gemm_fn fn;
    size_t m, n, k, rows_per_task;
    const int8_t *a;
    const float *scale, *w_scale, *bias;
    const int32_t *zp;
    const void *packed;
    float *out;
} qd8_job;
static void qd8_task(void *ctx, size_t t) {
    const qd8_job *j = ctx;
    const size_t b = t * j->rows_per_task, e = b + j->rows_per_task < j->m ? b + j->rows_per_task : j->m;
    j->fn(b, e, j->n, j->k, j->a, j->k, j->scale, j->zp, j->packed, j->w_scale, j->bias, j->out, j->n);
}

typedef struct {
    ember_qs8_dwconv3x3_fn fn;
    const int8_t *in;
    size_t h, w, c, stride, pad_top, pad_left, oh, ow, rows_per_task;
    int in_zp;
    const void *packed;
    int8_t *out;
    const ember_qs8_output *q;
} dw_job;
static void dw_task(void *ctx, size_t t) {
    const dw_job *j = ctx;
    const size_t b = t * j->rows_per_task, e = b + j->rows_per_task < j->oh ? b + j->rows_per_task : j->oh;
    j->fn(j->in, j->h, j->w, j->c, j->stride, j->pad_top, j->pad_left, j->oh, j->ow, b, e, j->packed, (int8_t)j->in_zp, j->out, j->q);
}

typedef struct {
    model_layer l;
    size_t oh, rows;
    const int8_t *in;
    int8_t *cols;
} im2col_job;
static void im2col_task(void *ctx, size_t t) {
    (void)t;
    const im2col_job *j = ctx;
    for (size_t oy = 0; oy < j->oh; oy += j->rows)
        ember_qs8_im2col(j->in, j->l.h, j->l.w, j->l.c, j->l.kh, j->l.kw, j->l.stride, j->l.stride, 1, 1, j->l.pad_top, j->l.pad_left,
                         oy, oy + j->rows < j->oh ? oy + j->rows : j->oh, j->l.ow, (int8_t)j->l.in_zp, j->cols);
}

/// ~1.6 µs of dependent arithmetic (3000 steps), its result on the task's own cache line.
static volatile long g_spin_out[64 * 8];
static void spin_task(void *ctx, size_t t) {
    (void)ctx;
    long x = (long)t;
    for (long k = 0; k < 3000; k++) {
        x = x * 3 + k;
        __asm__ volatile("" : "+r"(x));  // keeps the loop from being folded
    }
    g_spin_out[(t % 64) * 8] = x;
}

/// --kernel matches a substring of the name; a trailing '$' anchors it at the end (so
/// "ember_qs8_gemm_2x8c8__neon$" leaves out ember_qs8_gemm_2x8c8__neon_mlal).
static int selected(const char *name, const char *only) {
    if (!only) return 1;
    const size_t len = strlen(only), nl = strlen(name);
    if (len && only[len - 1] == '$') return nl >= len - 1 && strncmp(name + nl - (len - 1), only, len - 1) == 0;
    return strstr(name, only) != NULL;
}

/// Narrow-range kernels get weights without -128, as the engine gives them.
static int8_t narrow8(int8_t v, unsigned narrow) { return narrow && v == INT8_MIN ? -127 : v; }

static int g_once;
static size_t g_once_count;

/// Runs `fn(ctx, task)` over `tasks` on the pool until min_time has passed; seconds per run.
static double time_runs(ember_threadpool *pool, size_t tasks, void (*fn)(void *, size_t), void *ctx, double min_time) {
    if (g_once) {
        for (size_t i = 0; i < g_once_count; i++) ember_threadpool_parallel_for(pool, tasks, fn, ctx);
        return 1.0;
    }
    ember_threadpool_parallel_for(pool, tasks, fn, ctx);  // warm up
    size_t runs = 0;
    const double t0 = now();
    double t;
    do { ember_threadpool_parallel_for(pool, tasks, fn, ctx); runs++; } while ((t = now() - t0) < min_time);
    return t / (double)runs;
}

int main(int argc, char **argv) {
    size_t thread_counts[4] = {1, 2}, nthreads = 2, only_layer = (size_t)-1;
    double min_time = 0.05;
    const char *only = NULL, *model = NULL, *layers = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            nthreads = 0;
            for (char *s = argv[++i]; *s && nthreads < 4; s++) { thread_counts[nthreads++] = strtoul(s, &s, 10); if (!*s) break; }
        } else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) min_time = atof(argv[++i]);
        else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--layer") && i + 1 < argc) only_layer = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--once")) { g_once = 1; nthreads = 1; thread_counts[0] = 1; }
        else if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) layers = argv[++i];
        else { fprintf(stderr, "usage: %s [--threads 1,2] [--min-time S] [--kernel SUBSTRING[$]] [--layer I] [--once] [--model FILE.ember --layers FILE]\n", argv[0]); return 2; }
    }
    if (!model != !layers) { fprintf(stderr, "--model and --layers go together\n"); return 2; }
    if (model && !load_model(model, layers)) return 1;
    const size_t ngemm = model ? g_nmgemm : sizeof gemm_layers / sizeof gemm_layers[0];
    const size_t ndw = model ? g_nmdw : sizeof dw_layers / sizeof dw_layers[0];
    ember_kernels_init(-1);
    printf("# CPU paths:");
    for (int i = 0; i < 32; i++) if (ember_cpu_features() >> i & 1) printf(" %s", ember_isa_name((ember_isa)i));
    double load[1] = {0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) { if (fscanf(f, "%lf", &load[0]) != 1) load[0] = 0; fclose(f); }
    printf("; load average %.2f; 1 thread timed by thread CPU time, more by wall time\n", load[0]);

    const ember_kernel_table *gt = ember_kernel_table_for("qs8_gemm"), *dt = ember_kernel_table_for("qs8_dwconv3x3");
    for (size_t ti = 0; ti < nthreads; ti++) {
        const size_t threads = thread_counts[ti];
        ember_threadpool *pool = ember_threadpool_create(threads);
        g_clock = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
        for (size_t e = 0; e < gt->count; e++) {
            const ember_kernel_entry *ke = &gt->entries[e];
            if (!ember_isa_available(ke->isa) || !selected(ke->name, only)) continue;
            printf("\n## %s, %zu thread%s\n| M | K | N | x | GOPS | ms/layer |\n|---|---|---|---|---|---|\n", ke->name, threads, threads > 1 ? "s" : "");
            double total = 0, total_ops = 0;
            for (size_t l = 0; l < ngemm; l++) {
                if (only_layer != (size_t)-1 && l != only_layer) continue;
                const model_layer *ml = model ? &g_mgemm[l] : NULL;
                if (ml && ke->narrow && !ember_qs8_gemm_packed_narrow(ml->n, ml->k, g_model + ml->packed)) continue;  // as the engine chooses
                const gemm_layer gl = ml ? (gemm_layer){ml->m, ml->k, ml->n, 1, ""} : gemm_layers[l];
                g_once_count = gl.count;
                const size_t m = gl.m, k = gl.k, n = gl.n;
                int8_t *a = malloc(m * k), *w = malloc(n * k), *out = malloc(m * n);
                int32_t *bias = calloc(n, sizeof(int32_t)), *mult = malloc(n * sizeof(int32_t)), *shift = malloc(n * sizeof(int32_t));
                for (size_t i = 0; i < m * k; i++) a[i] = rnd8();
                for (size_t i = 0; i < n * k; i++) w[i] = narrow8(rnd8(), ke->narrow);
                for (size_t i = 0; i < n; i++) { mult[i] = 1518500250 + (int32_t)i; shift[i] = -8; }
                void *packed = malloc(ember_qs8_gemm_packed_size(n, k));
                ember_qs8_gemm_pack(n, k, w, bias, 3, packed);
                ember_qs8_output q = {mult, shift, -1, -128, 127};
                const void *wp = packed;
                if (ml) {
                    q = (ember_qs8_output){(const int32_t *)(g_model + ml->mult), (const int32_t *)(g_model + ml->shift), ml->out_zp, ml->act_min, ml->act_max};
                    wp = g_model + ml->packed;
                }
                // Tasks of whole tiles; a few per thread to balance the tail.
                const size_t mr = ke->mr ? ke->mr : 1, per = threads == 1 ? m : ((m + 4 * threads - 1) / (4 * threads) + mr - 1) / mr * mr;
                gemm_job job = {(ember_qs8_gemm_fn)ke->fn, m, n, k, per, a, wp, out, &q};
                const double s = time_runs(pool, (m + per - 1) / per, gemm_task, &job, min_time);
                const double ops = 2.0 * (double)(m * n * k);
                printf("| %zu | %zu | %zu | %zu | %.1f | %.3f |\n", m, k, n, gl.count, ops / s * 1e-9, s * 1e3);
                total += s * (double)gl.count;
                total_ops += ops * (double)gl.count;
                free(a); free(w); free(out); free(bias); free(mult); free(shift); free(packed);
            }
            printf("| all GEMM layers of one inference | | | | %.1f | %.3f |\n", total_ops / total * 1e-9, total * 1e3);
            fflush(stdout);
        }
        for (size_t e = 0; e < dt->count; e++) {
            const ember_kernel_entry *ke = &dt->entries[e];
            if (!ember_isa_available(ke->isa) || !selected(ke->name, only)) continue;
            printf("\n## %s, %zu thread%s\n| H=W | C | stride | x | GOPS | ms/layer |\n|---|---|---|---|---|---|\n", ke->name, threads, threads > 1 ? "s" : "");
            double total = 0, total_ops = 0;
            for (size_t l = 0; l < ndw; l++) {
                if (only_layer != (size_t)-1 && l != only_layer) continue;
                // Built-in shapes: SAME-like padding for stride 1, none for stride 2 (odd output edge).
                const size_t s0 = model ? 0 : dw_layers[l].stride, h0 = model ? 0 : dw_layers[l].h;
                const model_layer ml = model ? g_mdw[l]
                    : (model_layer){.h = h0, .w = h0, .c = dw_layers[l].c, .stride = s0, .pad_top = s0 == 1, .pad_left = s0 == 1,
                                    .oh = s0 == 1 ? h0 : h0 / 2, .ow = s0 == 1 ? h0 : h0 / 2, .in_zp = -3};
                const size_t count = model ? 1 : dw_layers[l].count;
                g_once_count = count;
                const size_t h = ml.h, c = ml.c, s = ml.stride, oh = ml.oh;
                int8_t *in = malloc(h * ml.w * c), *w = malloc(9 * c), *out = malloc(oh * ml.ow * c);
                int32_t *mult = malloc(c * sizeof(int32_t)), *shift = malloc(c * sizeof(int32_t));
                for (size_t i = 0; i < h * ml.w * c; i++) in[i] = rnd8();
                for (size_t i = 0; i < 9 * c; i++) w[i] = rnd8();
                for (size_t i = 0; i < c; i++) { mult[i] = 1518500250; shift[i] = -7; }
                void *packed = malloc(ember_qs8_dwconv3x3_packed_size(c));
                ember_qs8_dwconv3x3_pack(c, w, NULL, -3, packed);
                ember_qs8_output q = {mult, shift, 2, -128, 127};
                const void *wp = packed;
                if (model) {
                    q = (ember_qs8_output){(const int32_t *)(g_model + ml.mult), (const int32_t *)(g_model + ml.shift), ml.out_zp, ml.act_min, ml.act_max};
                    wp = g_model + ml.packed;
                }
                const size_t per = threads == 1 ? oh : (oh + 2 * threads - 1) / (2 * threads);
                dw_job job = {(ember_qs8_dwconv3x3_fn)ke->fn, in, h, ml.w, c, s, ml.pad_top, ml.pad_left, oh, ml.ow, per, ml.in_zp, wp, out, &q};
                const double sec = time_runs(pool, (oh + per - 1) / per, dw_task, &job, min_time);
                const double ops = 2.0 * 9.0 * (double)(oh * ml.ow * c);
                printf("| %zu | %zu | %zu | %zu | %.1f | %.3f |\n", h, c, s, count, ops / sec * 1e-9, sec * 1e3);
                total += sec * (double)count;
                total_ops += ops * (double)count;
                free(in); free(w); free(out); free(mult); free(shift); free(packed);
            }
            printf("| all depthwise layers of one inference | | | | %.1f | %.3f |\n", total_ops / total * 1e-9, total * 1e3);
            fflush(stdout);
        }
        const ember_kernel_table *qt = ember_kernel_table_for("qd8_gemm");
        for (size_t e = 0; e < qt->count; e++) {
            const ember_kernel_entry *ke = &qt->entries[e];
            if (!ember_isa_available(ke->isa) || !selected(ke->name, only)) continue;
            for (size_t ti2 = 0; ti2 < sizeof qd8_tokens / sizeof qd8_tokens[0]; ti2++) {
                const size_t m = qd8_tokens[ti2];
                printf("\n## %s, %zu thread%s, %zu tokens\n| M | K | N | x | GOPS | ms/layer |\n|---|---|---|---|---|---|\n", ke->name, threads, threads > 1 ? "s" : "", m);
                double total = 0, total_ops = 0;
                for (size_t l = 0; l < sizeof qd8_layers / sizeof qd8_layers[0]; l++) {
                    if (only_layer != (size_t)-1 && l != only_layer) continue;
                    g_once_count = qd8_layers[l].count;
                    const size_t k = qd8_layers[l].k, n = qd8_layers[l].n;
                    int8_t *a = malloc(m * k), *w = malloc(n * k);
                    float *out = malloc(m * n * sizeof(float)), *scale = malloc(m * sizeof(float)), *ws = malloc(n * sizeof(float)), *bias = malloc(n * sizeof(float));
                    int32_t *zp = malloc(m * sizeof(int32_t));
                    for (size_t i = 0; i < m * k; i++) a[i] = rnd8();
                    for (size_t i = 0; i < n * k; i++) w[i] = narrow8(rnd8(), ke->narrow);
                    for (size_t i = 0; i < m; i++) { scale[i] = 0.01f + 1e-4f * (float)i; zp[i] = rnd8(); }
                    for (size_t i = 0; i < n; i++) { ws[i] = 0.002f + 1e-6f * (float)i; bias[i] = 0.1f * (float)rnd8(); }
                    void *packed = malloc(ember_qs8_gemm_packed_size(n, k));
                    ember_qs8_gemm_pack(n, k, w, NULL, -1, packed);
                    // Rows split as the encoder splits them: one task per thread.
                    const size_t per = (m + threads - 1) / threads;
                    qd8_job job = {(ember_qd8_gemm_fn)ke->fn, m, n, k, per, a, scale, ws, bias, zp, packed, out};
                    const double s = time_runs(pool, (m + per - 1) / per, qd8_task, &job, min_time);
                    const double ops = 2.0 * (double)(m * n * k);
                    printf("| %zu | %zu | %zu | %zu | %.1f | %.3f |\n", m, k, n, qd8_layers[l].count, ops / s * 1e-9, s * 1e3);
                    total += s * (double)qd8_layers[l].count;
                    total_ops += ops * (double)qd8_layers[l].count;
                    free(a); free(w); free(out); free(scale); free(ws); free(bias); free(zp); free(packed);
                }
                printf("| all linear layers of one inference | | | | %.1f | %.3f |\n", total_ops / total * 1e-9, total * 1e3);
                fflush(stdout);
            }
        }
        // im2col of the KxK convolutions (the stem), in blocks of rows as the engine runs it.
        const ember_kernel_table *it = ember_kernel_table_for("qs8_im2col");
        for (size_t e = 0; e < it->count; e++) {
            const ember_kernel_entry *ke = &it->entries[e];
            if (!ember_isa_available(ke->isa) || !selected(ke->name, only) || threads != 1) continue;
            printf("\n## %s\n| H | W | C | K | stride | Mbytes/s | ms/layer |\n|---|---|---|---|---|---|---|\n", ke->name);
            for (size_t l = 0; l < ngemm; l++) {
                // Built-in: the stem, 224x224x3, 3x3 stride 2, TF 'SAME' (pads 0 before, 1 after).
                const model_layer ml = model ? g_mgemm[l] : (model_layer){.h = 224, .w = 224, .c = 3, .kh = 3, .kw = 3, .stride = 2, .ow = 112, .m = 112 * 112, .k = 27};
                if ((only_layer != (size_t)-1 && l != only_layer) || !ml.kh || (!model && l > 0)) continue;
                g_once_count = 1;
                const size_t oh = ml.m / ml.ow, rows = 128 * 1024 / (ml.ow * ml.k) ? 128 * 1024 / (ml.ow * ml.k) : 1;
                int8_t *in = malloc(ml.h * ml.w * ml.c), *cols = malloc(rows * ml.ow * ml.k);
                for (size_t i = 0; i < ml.h * ml.w * ml.c; i++) in[i] = rnd8();
                im2col_job job = {ml, oh, rows, in, cols};
                const double sec = time_runs(pool, 1, im2col_task, &job, min_time);
                printf("| %zu | %zu | %zu | %zu | %zu | %.0f | %.3f |\n", ml.h, ml.w, ml.c, ml.kh, ml.stride, (double)(ml.m * ml.k) / sec * 1e-6, sec * 1e3);
                free(in); free(cols);
            }
            fflush(stdout);
        }
        const ember_kernel_table *at = ember_kernel_table_for("qs8_add");
        for (size_t e = 0; e < at->count; e++) {
            const ember_kernel_entry *ke = &at->entries[e];
            if (!ember_isa_available(ke->isa) || !selected(ke->name, only)) continue;
            printf("\n## %s, %zu thread%s\n| elements | x | Gelem/s | ms/layer |\n|---|---|---|---|\n", ke->name, threads, threads > 1 ? "s" : "");
            double total = 0;
            for (size_t l = 0; l < sizeof add_layers / sizeof add_layers[0]; l++) {
                if (only_layer != (size_t)-1 && l != only_layer) continue;
                g_once_count = add_layers[l].times;
                const size_t n = add_layers[l].count;
                int8_t *a = malloc(n), *b = malloc(n), *out = malloc(n);
                for (size_t i = 0; i < n; i++) { a[i] = rnd8(); b[i] = rnd8(); }
                // MobileNetV2-like parameters (left shift 20, multipliers below 1).
                const ember_qs8_add_params p = {-5, 3, -2, 20, 1518500250, -1, 1288490189, -1, 1717986918, -18, -128, 127};
                const size_t per = threads == 1 ? n : (n + 2 * threads - 1) / (2 * threads);
                add_job job = {(ember_qs8_add_fn)ke->fn, n, per, a, b, out, &p};
                const double sec = time_runs(pool, (n + per - 1) / per, add_task, &job, min_time);
                printf("| %zu | %zu | %.2f | %.3f |\n", n, add_layers[l].times, (double)n / sec * 1e-9, sec * 1e3);
                total += sec * (double)add_layers[l].times;
                free(a); free(b); free(out);
            }
            printf("| all ADD layers of one inference | | | %.3f |\n", total * 1e3);
            fflush(stdout);
        }
        if (threads > 1 && !g_once && selected("ember_threadpool", only)) {
            // The pool's cost per operator: a job of one task per thread, each a fixed ~1.6 µs of
            // arithmetic on its own cache line, against the same task run inline.
            printf("\n## ember_threadpool hand-off, %zu threads\n| task ns | parallel_for ns | overhead ns |\n|---|---|---|\n", threads);
            const double inline_s = time_runs(NULL, 1, spin_task, NULL, min_time);
            const double pooled_s = time_runs(pool, threads, spin_task, NULL, min_time);
            printf("| %.0f | %.0f | %.0f |\n", inline_s * 1e9, pooled_s * 1e9, (pooled_s - inline_s) * 1e9);
            fflush(stdout);
        }
        ember_threadpool_destroy(pool);
    }
    return 0;
}
