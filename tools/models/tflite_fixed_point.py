"""Python model of TFLite's fixed-point helpers (for checking lowered parameters)."""
import math
import numpy as np

def quantize_multiplier(m):
    if m == 0: return 0, 0
    q, shift = math.frexp(m)
    qf = int(math.copysign(math.floor(abs(q) * 2**31 + 0.5), q))
    if qf == 2**31:
        qf //= 2; shift += 1
    if shift < -31:
        shift = 0; qf = 0
    return qf, shift

def srdhm(a, b):
    a = np.asarray(a, dtype=np.int64); 
    overflow = (a == -2**31) & (b == -2**31)
    ab = a * np.int64(b)
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    r = (ab + nudge)
    # integer division truncating toward zero
    r = np.where(r >= 0, r // (1 << 31), -((-r) // (1 << 31)))
    return np.where(overflow, 2**31 - 1, r)

def rdbpot(x, exponent):
    x = np.asarray(x, dtype=np.int64)
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)

def mbqm(x, m, shift):
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rdbpot(srdhm(np.asarray(x, np.int64) * (1 << left), m), right)
