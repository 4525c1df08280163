"""The predictor's forecast combination in numpy, mirroring the Rust implementation
(src/predict/combine.rs, src/predict/power.rs): the same window (compaction to N points), the same components."""
import math

import numpy as np

N = 256


def window(steps, rewards, cap=N):
    """The Rust window after pushing every point (push_or_merge + pairwise compaction)."""
    pts = []  # [step, reward, weight]
    block = 1.0

    def merge(a, b):
        wt = a[2] + b[2]
        return [(a[0] * a[2] + b[0] * b[2]) / wt, (a[1] * a[2] + b[1] * b[2]) / wt, wt]

    def pom(p):
        if len(pts) >= 2 and pts[-1][2] + p[2] <= block:
            pts[-1] = merge(pts[-1], p)
            return True
        if len(pts) >= cap:
            return False
        pts.append(p)
        return True

    for s, r in zip(steps, rewards):
        p = [float(s), float(r), 1.0]
        if not pom(p):
            # compact
            out = [pts[0]]
            i = 1
            while i < len(pts):
                if i + 1 < len(pts):
                    out.append(merge(pts[i], pts[i + 1]))
                    i += 2
                else:
                    out.append(pts[i])
                    i += 1
            pts[:] = out
            block *= 2
            pom(p)
    a = np.asarray(pts)
    return a[:, 0], a[:, 1], a[:, 2]


def tail_mask(w, frac):
    """Points of the last `frac` of the raw points (by weight), at least 3 raw points."""
    tot = w.sum()
    need = max(3.0, frac * tot)
    c = np.cumsum(w[::-1])
    k = int(np.searchsorted(c, need)) + 1
    m = np.zeros(len(w), bool)
    m[len(w) - min(k, len(w)):] = True
    return m


def level(t, y, w, frac=0.2):
    m = tail_mask(w, frac)
    return float(np.sum(y[m] * w[m]) / np.sum(w[m]))


HOLT_GRID = [(a, b, phi) for a in (0.05, 0.1, 0.2, 0.3, 0.5) for b in (0.01, 0.05, 0.1, 0.2)
             for phi in (0.8, 0.9, 0.95, 0.98)]


def holt(t, y, w, horizon):
    """Holt damped trend on the window points (one step = the median spacing)."""
    n = len(y)
    dt = float(np.median(np.diff(t))) if n > 1 else 1.0
    h = max(0.0, (horizon - t[-1]) / dt) if dt > 0 else 0.0
    best = None
    k0 = min(4, n - 1)
    for a, b, phi in HOLT_GRID:
        lvl, tr = y[0], (y[k0] - y[0]) / max(1, k0)
        sse = 0.0
        for x in y[1:]:
            f = lvl + phi * tr
            sse += (x - f) ** 2
            new = a * x + (1 - a) * f
            tr = b * (new - lvl) + (1 - b) * phi * tr
            lvl = new
        if best is None or sse < best[0]:
            best = (sse, lvl, tr, phi)
    _, lvl, tr, phi = best
    return float(lvl + phi * (1 - phi ** h) / (1 - phi) * tr)


POW_C = tuple(0.05 * 60 ** (i / 11) for i in range(12))  # src/predict/power.rs


def pow3(t, y, w, horizon):
    """a - b t^-c with c on a grid, (a, b) by weighted least squares: the pow3 law, linear in (a, b)."""
    shift = 0.0 if t[0] > 0 else 1.0 - t[0]
    ts, hs = t + shift, horizon + shift
    best = None
    for c in POW_C:
        x = ts ** (-c)
        sw = w.sum()
        mx, my = np.sum(w * x) / sw, np.sum(w * y) / sw
        sxx = np.sum(w * (x - mx) ** 2)
        if sxx <= 0:
            continue
        b = -np.sum(w * (x - mx) * (y - my)) / sxx
        a = my + b * mx
        sse = np.sum(w * (y - a + b * x) ** 2)
        if best is None or sse < best[0]:
            best = (sse, a, b, c)
    if best is None:
        return level(t, y, w)
    _, a, b, c = best
    return float(a - b * hs ** (-c))


def pow3_r2(t, y, w):
    """Weighted R^2 of the best pow3 fit on the window (1 - SSE / SST; 0 when SST = 0)."""
    shift = 0.0 if t[0] > 0 else 1.0 - t[0]
    ts = t + shift
    sw = w.sum()
    my = np.sum(w * y) / sw
    sst = np.sum(w * (y - my) ** 2)
    best = None
    for c in POW_C:
        x = ts ** (-c)
        mx = np.sum(w * x) / sw
        sxx = np.sum(w * (x - mx) ** 2)
        if sxx <= 0:
            continue
        b = -np.sum(w * (x - mx) * (y - my)) / sxx
        a = my + b * mx
        sse = np.sum(w * (y - a + b * x) ** 2)
        best = sse if best is None else min(best, sse)
    return float(1 - best / sst) if sst > 0 and best is not None else 0.0


def noise_sd(y):
    """Noise level from first differences: MAD(diff) / (0.6745 sqrt 2)."""
    d = np.diff(y)
    if len(d) == 0:
        return 0.0
    return float(np.median(np.abs(d - np.median(d))) / 0.6744897501960817 / math.sqrt(2))


def spread(y, w):
    """Weighted p90 - p10 of the window rewards."""
    o = np.argsort(y)
    ys, ws = y[o], w[o]
    c = (np.cumsum(ws) - 0.5 * ws) / ws.sum()
    return float(np.interp(0.9, c, ys) - np.interp(0.1, c, ys))
