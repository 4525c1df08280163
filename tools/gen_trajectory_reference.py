#!/usr/bin/env python3
"""High-precision reference values of the oscillator trajectory (spec A.3/A.4) for
tests/trajectory_reference.rs.

    r(t) = r_star + exp(-zeta omega t) [ y0 ch(u) + B t sh(u) ],  y0 = r0 - r_star,
    B = v0 + zeta omega y0,  u = omega^2 (zeta^2 - 1) t^2,
    ch(u) = cosh(sqrt u), sh(u) = sinh(sqrt u)/sqrt u  (complex sqrt for u < 0; sh(0) = 1)

evaluated with mpmath at 50 significant digits, at the EXACT values of the double inputs (every
input is a Python float converted exactly with mpmath.mpf(float)). Inputs are written with repr()
(shortest round-trip form, parsed back to the same double) and the reference with 20 significant
digits.

Usage: python3 tools/gen_trajectory_reference.py > tests/data/trajectory_reference.csv
"""
import sys
import mpmath as mp

mp.mp.dps = 50

ZETAS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.999999, 1 - 1e-12, 1.0,
         1 + 1e-12, 1.000001, 1.5, 3.0, 10.0, 60.0]
# (r_star, r0, v0, omega): slow start, pushed start, start from above with a negative slope,
# and a slow system for long horizons
CASES = [
    (0.7, 0.1, 0.0, 0.15),
    (0.7, 0.1, 0.02, 0.15),
    (0.3, 0.9, -0.05, 0.15),
    (0.72, 0.12, 0.0, 0.003),
    (0.5, 0.25, 0.001, 0.003),
]


def times():
    ts = [0.0, 1e-6, 1e-3, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 40.0, 60.0,
          80.0, 100.0, 150.0, 200.0, 300.0, 500.0, 700.0, 1000.0, 1500.0, 2000.0, 3000.0,
          5000.0, 7000.0, 10000.0, 20000.0, 50000.0, 100000.0]
    # a few non-round times (inexact decimals) as well
    ts += [0.37, 4.1, 13.3, 77.7, 333.3, 4444.4, 55555.5]
    return sorted(ts)


def traj(rs, r0, v0, w, z, t):
    rs, r0, v0, w, z, t = (mp.mpf(x) for x in (rs, r0, v0, w, z, t))
    y0 = r0 - rs
    B = v0 + z * w * y0
    u = w * w * (z * z - 1) * t * t
    if u == 0:
        ch, sh = mp.mpf(1), mp.mpf(1)
    else:
        s = mp.sqrt(mp.mpc(u))
        ch = mp.re(mp.cosh(s))
        sh = mp.re(mp.sinh(s) / s)
    return rs + mp.exp(-z * w * t) * (y0 * ch + B * t * sh)


def main():
    out = sys.stdout
    out.write("r_star,r0,v0,omega,zeta,t,r\n")
    for (rs, r0, v0, w) in CASES:
        for z in ZETAS:
            for t in times():
                r = traj(rs, r0, v0, w, z, t)
                out.write(",".join(repr(float(x)) for x in (rs, r0, v0, w, z, t)))
                out.write("," + mp.nstr(r, 20, min_fixed=-5, max_fixed=5) + "\n")


if __name__ == "__main__":
    main()
