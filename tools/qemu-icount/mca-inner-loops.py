#!/usr/bin/env python3
"""llvm-mca cycles per iteration of each GEMM / depthwise kernel's innermost MAC loop.

Compiles each AArch64 kernel to assembly, takes the self-loop with the most multiply
instructions (the compiler's own inner loop, not a hand copy; of equals the shortest, e.g. the
depthwise kernel's variant without left shifts), and runs llvm-mca on it for
Cortex-A72 (LLVM models it with its A57 model) and Neoverse-N1 (the A76 stand-in; the i8mm loop
uses Neoverse-N2, the N1 having no i8mm). Prints MACs per cycle against the core's peak:
A72 8 int8 MACs/cycle (SMLAL/SMULL on one pipe), A76/N1 32 (two SDOT pipes)."""
import re, subprocess, sys, tempfile, os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KERNELS = [  # file, cpus
    ("ember_qs8_gemm_2x8c8__neon.c", ["cortex-a72", "neoverse-n1"]),
    ("ember_qs8_gemm_2x8c8__neon_mlal.c", ["cortex-a72", "neoverse-n1"]),
    ("ember_qd8_gemm_2x8c8__neon.c", ["cortex-a72"]),
    ("ember_qd8_gemm_2x8c8__neon_mlal.c", ["cortex-a72"]),
    ("ember_qs8_gemm_8x8c8__neondot.c", ["neoverse-n1"]),
    ("ember_qs8_gemm_8x8c8__neondot_smallk.c", ["neoverse-n1"]),  # its loop is a whole tile: SDOTs and output stage
    ("ember_qs8_gemm_8x8c8__i8mm.c", ["neoverse-n2", "cortex-a710"]),
    ("ember_qd8_gemm_8x8c8__i8mm.c", ["neoverse-n2", "cortex-a710"]),
    ("ember_qs8_dwconv3x3_c16__neon.c", ["cortex-a72", "neoverse-n1"]),
]
MACS = {"sdot": 16, "udot": 16, "smmla": 32, "ummla": 32, "smull": 8, "smull2": 8, "smlal": 8, "smlal2": 8}
PEAK = {"cortex-a72": 8, "neoverse-n1": 32, "neoverse-n2": 64, "cortex-a710": 64}
MCA = os.environ.get("LLVM_MCA", "llvm-mca-19")

def inner_loop(asm):
    lines = [l.split("//")[0].rstrip() for l in asm.splitlines()]
    best, best_macs = None, 0
    for i, l in enumerate(lines):
        m = re.match(r"^(\.LBB\w+):", l)
        if not m:
            continue
        label, body = m.group(1), []
        for l2 in lines[i + 1:]:
            if re.match(r"^\S+:", l2):  # another label: not a simple self-loop
                body = None
                break
            s = l2.strip()
            if not s or s.startswith("."):
                continue
            if re.match(r"^(b\.\w+|cbnz|cbz|b)\s+" + re.escape(label) + r"$", s):
                break
            body.append(s)
        else:
            body = None
        if not body:
            continue
        macs = sum(MACS.get(s.split()[0], 0) for s in body)
        if macs > best_macs or (best and macs == best_macs and len(body) < len(best)):  # ties: the fast variant
            best, best_macs = body, macs
    return best, best_macs

def main():
    print("| kernel | -mcpu | instructions/iter | MACs/iter | cycles/iter | MACs/cycle | % of peak |")
    print("|---|---|---|---|---|---|---|")
    for f, cpus in KERNELS:
        src = os.path.join(ROOT, "Sources/CEmberKernels", f)
        asm = subprocess.run(["clang", "--target=aarch64-linux-gnu", "-O2", "-S", "-o", "-",
                              "-I" + os.path.join(ROOT, "Sources/CEmberKernels/include"),
                              "-I" + os.path.join(ROOT, "Sources/CEmberKernels"), src],
                             check=True, capture_output=True, text=True).stdout
        body, macs = inner_loop(asm)
        if not body:
            print(f"| {f} | - | no inner loop found | | | | |")
            continue
        with tempfile.NamedTemporaryFile("w", suffix=".s", delete=False) as t:
            t.write("\n".join(body) + "\n")
        for cpu in cpus:
            out = subprocess.run([MCA, "-mtriple=aarch64", "-mcpu=" + cpu, "-mattr=+dotprod,+i8mm", "-iterations=1000", t.name],
                                 capture_output=True, text=True).stdout
            cycles = int(re.search(r"Total Cycles:\s+(\d+)", out).group(1)) / 1000
            mpc = macs / cycles
            print(f"| {f[:-2]} | {cpu} | {len(body)} | {macs} | {cycles:.2f} | {mpc:.1f} | {100 * mpc / PEAK[cpu]:.0f}% |")
        os.unlink(t.name)

if __name__ == "__main__":
    sys.exit(main())
