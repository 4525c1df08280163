//! The normal-equation sums of one LM pass (`J^T W J`, `J^T W r`, `r^T r`) in lane-wise partial
//! sums over blocks of points: O(P^2) floats whatever the number of points (docs/fit.md, per-fit
//! cost).

#![allow(clippy::needless_range_loop)]

use super::{Block, BLOCK};
use crate::real::Real;

/// Independent accumulator lanes (the block sums vectorise across them; 1 with the `compact`
/// feature).
pub(super) const LANES: usize = if cfg!(feature = "compact") { 1 } else { 4 };

const _: () = assert!(BLOCK.is_multiple_of(LANES));

/// Lane-wise partial sums of one pass: `jtj[j][k][lane]` (upper triangle), `jtr[j][lane]`,
/// `rr[lane]` (`sum r^2`, unit weights only). O(P^2) floats, independent of the number of points.
pub(super) struct Sums<T, const P: usize> {
    pub(super) jtj: [[[T; LANES]; P]; P],
    pub(super) jtr: [[T; LANES]; P],
    pub(super) rr: [T; LANES],
}

// bounded: (P^2 + P + 1) LANES floats
const _: () = assert!(core::mem::size_of::<Sums<f64, 8>>() == (64 + 8 + 1) * LANES * 8);

impl<T: Real, const P: usize> Sums<T, P> {
    pub(super) fn new() -> Self {
        Sums {
            jtj: [[[T::ZERO; LANES]; P]; P],
            jtr: [[T::ZERO; LANES]; P],
            rr: [T::ZERO; LANES],
        }
    }

    /// Unit weights: `rr += r.r`, `jtr_j += r.g_j`, `jtj_jk += g_j.g_k` over a block. Entries
    /// past the block's length are zero (the [`Block`] invariant, `r` likewise; the caller
    /// zero-pads a short block), so every block is summed whole: the zeros add nothing. Row by row: `g_j` is loaded once per lane group
    /// and multiplied into the row's accumulators (`k >= j`) and `jtr_j`, held in registers
    /// across the block; each lane sums its points in order (the sums of [`dot_acc`]).
    #[inline(always)]
    fn fold_unit(&mut self, r: &[T; BLOCK], g: &[[T; BLOCK]; P]) {
        self.rr = dot_acc(self.rr, r, r, BLOCK);
        // one call per row with a constant `j` (so each row's accumulators are registers)
        macro_rules! rows {
            ($($j:literal)*) => {
                $(if $j < P {
                    self.fold_row($j, r, g);
                })*
            };
        }
        rows!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
        const _: () = assert!(super::MAX_SOLVER_PARAMS <= 16);
    }

    /// [`Sums::fold_unit`] for a short block (the last of a pass): its tail is zero by the
    /// [`Block`] contract, copied anyway so that a model breaking it cannot reach the
    /// whole-block sums.
    #[cold]
    #[inline(never)]
    fn fold_short(&mut self, r: &[T; BLOCK], g: &[[T; BLOCK]; P], len: usize) {
        let mut gz = [[T::ZERO; BLOCK]; P];
        for (d, s) in gz.iter_mut().zip(g) {
            for (dv, &sv) in d.iter_mut().zip(s).take(len) {
                *dv = sv;
            }
        }
        self.fold_unit(r, &gz);
    }

    /// Row `j` of [`Sums::fold_unit`]: `jtr_j += r.g_j`, `jtj_jk += g_j.g_k` for `k >= j`.
    #[inline(always)]
    fn fold_row(&mut self, j: usize, r: &[T; BLOCK], g: &[[T; BLOCK]; P]) {
        let (Some(row), Some(gr), Some(gj)) = (self.jtj.get_mut(j), self.jtr.get_mut(j), g.get(j))
        else {
            return;
        };
        let mut acc = *row;
        let mut ar = *gr;
        for (c, (rc, ac)) in r
            .chunks_exact(LANES)
            .zip(gj.chunks_exact(LANES))
            .enumerate()
        {
            let o = c * LANES;
            for l in 0..LANES {
                ar[l] += ac[l] * rc[l];
            }
            for k in j..P {
                for l in 0..LANES {
                    acc[k][l] += ac[l] * g[k][o + l];
                }
            }
        }
        *row = acc;
        *gr = ar;
    }

    /// Effective weights `we` (weights times robust IRLS weights), `wr = we r`:
    /// `jtr_j += wr.g_j`, `jtj_jk += (we g_j).g_k`.
    #[inline(never)]
    pub(super) fn fold_weighted(
        &mut self,
        we: &[T; BLOCK],
        wr: &[T; BLOCK],
        g: &[[T; BLOCK]; P],
        len: usize,
    ) {
        for j in 0..P {
            self.jtr[j] = dot_acc(self.jtr[j], wr, &g[j], len);
            let mut wg = [T::ZERO; BLOCK];
            for ((o, &wb), &gb) in wg.iter_mut().zip(we).zip(&g[j]) {
                *o = wb * gb;
            }
            for k in j..P {
                self.jtj[j][k] = dot_acc(self.jtj[j][k], &wg, &g[k], len);
            }
        }
    }
}

/// `acc[l] + sum_{i < len, i = l mod LANES} a[i] b[i]` (lane-wise partial sums of a dot product;
/// a whole block is a constant trip count that vectorises across the lanes).
#[inline(always)]
#[allow(clippy::modulo_one)] // LANES is 1 with the `compact` feature
fn dot_acc<T: Real>(mut acc: [T; LANES], a: &[T; BLOCK], b: &[T; BLOCK], len: usize) -> [T; LANES] {
    if len >= BLOCK {
        for (ca, cb) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
            for ((s, &x), &y) in acc.iter_mut().zip(ca).zip(cb) {
                *s += x * y;
            }
        }
    } else {
        for (i, (&x, &y)) in a.iter().zip(b).enumerate().take(len) {
            acc[i % LANES] += x * y;
        }
    }
    acc
}

/// The unit-weight sink of `lm::pass_with`: residuals `r = value - y` of one block (points
/// `i..i + len`) folded into the sums; `i` advanced (`usize::MAX` when the model hands more
/// points than the data has: the pass then fails).
#[inline(always)]
pub(super) fn unit_block<T: Real, const P: usize>(
    sums: &mut Sums<T, P>,
    i: &mut usize,
    y: &[T],
    blk: &Block<T, P>,
) {
    let len = blk.len.min(BLOCK);
    let Some(ys) = i.checked_add(len).and_then(|e| y.get(*i..e)) else {
        *i = usize::MAX;
        return;
    };
    let mut r = [T::ZERO; BLOCK];
    for ((rb, &v), &yb) in r.iter_mut().zip(&blk.value).zip(ys) {
        *rb = v - yb;
    }
    if len < BLOCK {
        sums.fold_short(&r, &blk.grad, len);
    } else {
        sums.fold_unit(&r, &blk.grad);
    }
    *i += len;
}
