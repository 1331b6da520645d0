// qemu TCG plugin: counts executed guest instructions, in total and per symbol, plus the
// dot-product (SDOT/UDOT) and matrix-multiply (SMMLA/UMMLA/USMMLA) instructions among them.
// Inline counters: exact for single-threaded guests. Symbols come from the guest executable
// (link it statically and do not strip it).
//
//   qemu-aarch64 -cpu cortex-a76 -plugin ./libicount.so,prefix=ember_,top=20 -d plugin ./prog
//     prefix=P  report symbols starting with P (default: all), and their sum
//     top=N     how many symbols to list (default 30)
//     mnemonics=N   also list the N most executed instruction forms: mnemonic, the destination's
//                   arrangement, and "[]" for a by-element form ("smlal .8h", "fmla .4s[]")
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qemu-plugin.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_SYMBOLS 8192
typedef struct { const char *name; uint64_t insns, dots, mmlas; } symbol_count;
static symbol_count symbols[MAX_SYMBOLS];
static size_t nsymbols;
static symbol_count other = {"(no symbol)", 0, 0, 0};
static uint64_t total;
static char prefix[128];
static size_t top = 30;
static size_t mnemonics;

#define MAX_FORMS 4096
typedef struct { char key[32]; uint64_t count; } form_count;
static form_count forms[MAX_FORMS];
static size_t nforms;
static form_count other_form = {"(other)", 0};

// "smlal v6.8h, v16.8b, v0.8b" -> "smlal .8h"; "fmla v1.4s, v2.4s, v3.s[1]" -> "fmla .4s[]".
static form_count *form_slot(const char *disas) {
    char key[32] = {0};
    size_t n = strcspn(disas, " \t");
    if (n > 16) n = 16;
    memcpy(key, disas, n);
    const char *dot = strchr(disas + n, '.'), *comma = strchr(disas + n, ',');
    if (dot && (!comma || dot < comma)) {
        size_t m = strcspn(dot, ", ");
        if (m > 6) m = 6;
        key[n] = ' ';
        memcpy(key + n + 1, dot, m);
    }
    for (const char *b = strchr(disas, '['); b; b = strchr(b + 1, '['))  // a lane: "v3.s[1]", not "[x0]"
        if (b - disas >= 2 && b[-2] == '.' && strchr("bhsd", b[-1])) { strncat(key, "[]", sizeof key - strlen(key) - 1); break; }
    for (size_t i = 0; i < nforms; i++)  // translation time only
        if (!strcmp(forms[i].key, key)) return &forms[i];
    if (nforms == MAX_FORMS) return &other_form;
    memcpy(forms[nforms].key, key, sizeof key);
    return &forms[nforms++];
}

static symbol_count *slot(const char *name) {
    if (!name) return &other;
    for (size_t i = 0; i < nsymbols; i++)  // translation time only, not per executed instruction
        if (symbols[i].name == name || strcmp(symbols[i].name, name) == 0) return &symbols[i];
    if (nsymbols == MAX_SYMBOLS) return &other;
    symbols[nsymbols].name = name;
    return &symbols[nsymbols++];
}

static int is_dot(uint32_t op) {
    // SDOT and UDOT differ in bit 29 (U) and both are counted; Q (bit 30) is free.
    return (op & 0x9FE0FC00u) == 0x0E809400u     // SDOT/UDOT (vector), size = 10
        || (op & 0x9FC0F400u) == 0x0F80E000u;    // SDOT/UDOT (by element), size = 10
}
static int is_mmla(uint32_t op) {
    return (op & 0xFFE0FC00u) == 0x4E80A400u     // SMMLA
        || (op & 0xFFE0FC00u) == 0x6E80A400u     // UMMLA
        || (op & 0xFFE0FC00u) == 0x4E80AC00u;    // USMMLA
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    const size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        symbol_count *s = slot(qemu_plugin_insn_symbol(insn));
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &s->insns, 1);
        uint32_t op = 0;
        if (qemu_plugin_insn_size(insn) == 4) memcpy(&op, qemu_plugin_insn_data(insn), 4);
        if (is_dot(op)) qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &s->dots, 1);
        if (is_mmla(op)) qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &s->mmlas, 1);
        if (mnemonics) {
            char *disas = qemu_plugin_insn_disas(insn);
            form_count *f = disas ? form_slot(disas) : &other_form;
            free(disas);
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &f->count, 1);
        }
    }
}

static int by_count(const void *a, const void *b) {
    const uint64_t x = ((const symbol_count *)a)->insns, y = ((const symbol_count *)b)->insns;
    return x < y ? 1 : (x > y ? -1 : 0);
}

static int by_form_count(const void *a, const void *b) {
    const uint64_t x = ((const form_count *)a)->count, y = ((const form_count *)b)->count;
    return x < y ? 1 : (x > y ? -1 : 0);
}

static void report_at_exit(qemu_plugin_id_t id, void *p) {
    (void)id; (void)p;
    char line[512];
    qsort(symbols, nsymbols, sizeof symbols[0], by_count);
    uint64_t in_prefix = 0, dots = 0, mmlas = 0;
    for (size_t i = 0; i < nsymbols; i++)
        if (!strncmp(symbols[i].name, prefix, strlen(prefix))) {
            in_prefix += symbols[i].insns; dots += symbols[i].dots; mmlas += symbols[i].mmlas;
        }
    snprintf(line, sizeof line, "icount total %llu\nicount prefix '%s' %llu (dot %llu, mmla %llu)\n",
             (unsigned long long)total, prefix, (unsigned long long)in_prefix, (unsigned long long)dots, (unsigned long long)mmlas);
    qemu_plugin_outs(line);
    uint64_t all_dots = other.dots, all_mmlas = other.mmlas;  // every instruction, with or without a symbol
    for (size_t i = 0; i < nsymbols; i++) { all_dots += symbols[i].dots; all_mmlas += symbols[i].mmlas; }
    snprintf(line, sizeof line, "icount all dot %llu mmla %llu\n", (unsigned long long)all_dots, (unsigned long long)all_mmlas);
    qemu_plugin_outs(line);
    size_t shown = 0;
    for (size_t i = 0; i < nsymbols && shown < top; i++) {
        if (strncmp(symbols[i].name, prefix, strlen(prefix))) continue;
        snprintf(line, sizeof line, "icount symbol %s %llu (dot %llu, mmla %llu)\n", symbols[i].name,
                 (unsigned long long)symbols[i].insns, (unsigned long long)symbols[i].dots, (unsigned long long)symbols[i].mmlas);
        qemu_plugin_outs(line);
        shown++;
    }
    qsort(forms, nforms, sizeof forms[0], by_form_count);
    for (size_t i = 0; i < nforms && i < mnemonics; i++) {
        snprintf(line, sizeof line, "icount form %.31s|%llu\n", forms[i].key, (unsigned long long)forms[i].count);
        qemu_plugin_outs(line);
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (!strncmp(argv[i], "prefix=", 7)) snprintf(prefix, sizeof prefix, "%s", argv[i] + 7);
        else if (!strncmp(argv[i], "top=", 4)) top = strtoul(argv[i] + 4, NULL, 10);
        else if (!strncmp(argv[i], "mnemonics=", 10)) mnemonics = strtoul(argv[i] + 10, NULL, 10);
        else { fprintf(stderr, "icount: unknown argument %s\n", argv[i]); return -1; }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, report_at_exit, NULL);
    return 0;
}
