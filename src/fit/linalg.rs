//! Small dense symmetric linear algebra on `P x P` stack arrays (P <= 8): Cholesky with a
//! rank-revealing fallback (cyclic Jacobi eigen-decomposition), used for the damped LM step and for
//! the covariance. Everything works on the Jacobi-scaled matrix `S A S`, `S = diag(1/sqrt(A_jj))`,
//! so the thresholds are relative.

#![allow(clippy::needless_range_loop, clippy::neg_cmp_op_on_partial_ord)]

use crate::real::{c, Real};

/// A symmetric `P x P` matrix (both triangles stored).
pub(crate) type Mat<T, const P: usize> = [[T; P]; P];

/// Cholesky factor `L` (lower) of `a` in place of a copy; `None` when a pivot is not clearly
/// positive (relative to the diagonal, which is ~1 after Jacobi scaling).
fn cholesky<T: Real, const P: usize>(a: &Mat<T, P>, m: usize) -> Option<Mat<T, P>> {
    let mut l = [[T::ZERO; P]; P];
    let tiny = c::<T>(64.0) * T::EPSILON;
    for j in 0..m {
        let mut d = a[j][j];
        for k in 0..j {
            d -= l[j][k] * l[j][k];
        }
        if !(d > tiny * a[j][j].abs().max(T::ONE)) {
            return None;
        }
        let djj = d.sqrt();
        l[j][j] = djj;
        for i in (j + 1)..m {
            let mut s = a[i][j];
            for k in 0..j {
                s -= l[i][k] * l[j][k];
            }
            l[i][j] = s / djj;
        }
    }
    Some(l)
}

fn chol_solve<T: Real, const P: usize>(l: &Mat<T, P>, b: &[T; P], m: usize) -> [T; P] {
    let mut x = *b;
    for i in 0..m {
        let mut s = x[i];
        for k in 0..i {
            s -= l[i][k] * x[k];
        }
        x[i] = s / l[i][i];
    }
    for i in (0..m).rev() {
        let mut s = x[i];
        for k in (i + 1)..m {
            s -= l[k][i] * x[k];
        }
        x[i] = s / l[i][i];
    }
    x
}

/// Cyclic Jacobi eigen-decomposition of the leading `m x m` block of symmetric `a`:
/// returns (eigenvalues, eigenvectors as columns `v[i][k]`).
pub(crate) fn eigen<T: Real, const P: usize>(a: &Mat<T, P>, m: usize) -> ([T; P], Mat<T, P>) {
    let mut a = *a;
    let mut v = [[T::ZERO; P]; P];
    for (i, row) in v.iter_mut().enumerate().take(m) {
        row[i] = T::ONE;
    }
    for _sweep in 0..50 {
        let mut off = T::ZERO;
        let mut diag = T::ZERO;
        for i in 0..m {
            diag += a[i][i] * a[i][i];
            for j in (i + 1)..m {
                off += a[i][j] * a[i][j];
            }
        }
        if !(off > T::EPSILON * T::EPSILON * diag) {
            break;
        }
        for p in 0..m {
            for q in (p + 1)..m {
                let apq = a[p][q];
                if apq == T::ZERO {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (T::TWO * apq);
                let t = T::ONE.copysign(theta) / (theta.abs() + (theta * theta + T::ONE).sqrt());
                let cs = T::ONE / (t * t + T::ONE).sqrt();
                let sn = t * cs;
                for k in 0..m {
                    let akp = a[k][p];
                    let akq = a[k][q];
                    a[k][p] = cs * akp - sn * akq;
                    a[k][q] = sn * akp + cs * akq;
                }
                for k in 0..m {
                    let apk = a[p][k];
                    let aqk = a[q][k];
                    a[p][k] = cs * apk - sn * aqk;
                    a[q][k] = sn * apk + cs * aqk;
                }
                for row in v.iter_mut().take(m) {
                    let vkp = row[p];
                    let vkq = row[q];
                    row[p] = cs * vkp - sn * vkq;
                    row[q] = sn * vkp + cs * vkq;
                }
            }
        }
    }
    let mut w = [T::ZERO; P];
    for i in 0..m {
        w[i] = a[i][i];
    }
    (w, v)
}

/// Relative eigenvalue cutoff of the rank-revealing path.
fn cutoff<T: Real>(m: usize, wmax: T) -> T {
    c::<T>(16.0) * T::from_usize(m.max(1)) * T::EPSILON * wmax
}

/// Solve `a x = b` for symmetric positive semi-definite `a` (leading `m x m` block, already
/// Jacobi-scaled): Cholesky, or when that fails the minimum-norm solution on the numerically
/// non-null eigenspace. Returns `None` when the whole block is numerically zero.
pub(crate) fn solve_psd<T: Real, const P: usize>(
    a: &Mat<T, P>,
    b: &[T; P],
    m: usize,
) -> Option<[T; P]> {
    if let Some(l) = cholesky(a, m) {
        return Some(chol_solve(&l, b, m));
    }
    let (w, v) = eigen(a, m);
    let wmax = w.iter().take(m).fold(T::ZERO, |acc, &x| acc.max(x));
    if !(wmax > T::ZERO) || !wmax.is_finite() {
        return None;
    }
    let cut = cutoff(m, wmax);
    let mut x = [T::ZERO; P];
    for k in 0..m {
        if w[k] > cut {
            let mut proj = T::ZERO;
            for i in 0..m {
                proj += v[i][k] * b[i];
            }
            let s = proj / w[k];
            for i in 0..m {
                x[i] += s * v[i][k];
            }
        }
    }
    Some(x)
}

/// Pseudo-inverse of symmetric positive semi-definite `a` (leading `m x m` block, Jacobi-scaled)
/// and its numerical rank. Entries of a row/column that touches the null space are `+inf` on the
/// diagonal (the parameter is not identified), so no standard error is silently finite.
pub(crate) fn pinv_psd<T: Real, const P: usize>(a: &Mat<T, P>, m: usize) -> (Mat<T, P>, usize) {
    // well-conditioned case: the inverse from the Cholesky factor
    if let Some(l) = cholesky(a, m) {
        let mut out = [[T::ZERO; P]; P];
        for j in 0..m {
            let mut e = [T::ZERO; P];
            e[j] = T::ONE;
            let col = chol_solve(&l, &e, m);
            for i in 0..m {
                out[i][j] = col[i];
            }
        }
        return (out, m);
    }
    let (w, v) = eigen(a, m);
    let wmax = w.iter().take(m).fold(T::ZERO, |acc, &x| acc.max(x));
    let mut out = [[T::ZERO; P]; P];
    if !(wmax > T::ZERO) || !wmax.is_finite() {
        for (i, row) in out.iter_mut().enumerate().take(m) {
            row[i] = T::INFINITY;
        }
        return (out, 0);
    }
    let cut = cutoff(m, wmax);
    let mut rank = 0;
    let mut unidentified = [false; P];
    for k in 0..m {
        if w[k] > cut {
            rank += 1;
            let inv = T::ONE / w[k];
            for i in 0..m {
                for j in 0..m {
                    out[i][j] += v[i][k] * v[j][k] * inv;
                }
            }
        } else {
            for (i, u) in unidentified.iter_mut().enumerate().take(m) {
                if v[i][k].abs() > c::<T>(1e-6) {
                    *u = true;
                }
            }
        }
    }
    for (i, u) in unidentified.iter().enumerate().take(m) {
        if *u {
            out[i][i] = T::INFINITY;
        }
    }
    (out, rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_and_eigen_agree() {
        let a: Mat<f64, 3> = [[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]];
        let b = [1.0, 2.0, 3.0];
        let x = solve_psd(&a, &b, 3).unwrap();
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a[i][j] * x[j]).sum::<f64>() - b[i];
            assert!(r.abs() < 1e-14);
        }
        let (w, v) = eigen(&a, 3);
        for k in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|j| a[i][j] * v[j][k]).sum();
                assert!((av - w[k] * v[i][k]).abs() < 1e-13);
            }
        }
        let (pi, rank) = pinv_psd(&a, 3);
        assert_eq!(rank, 3);
        for i in 0..3 {
            for j in 0..3 {
                let e: f64 = (0..3).map(|k| a[i][k] * pi[k][j]).sum();
                assert!((e - if i == j { 1.0 } else { 0.0 }).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn singular_falls_back() {
        // rank 1: [1 1; 1 1]
        let a: Mat<f64, 2> = [[1.0, 1.0], [1.0, 1.0]];
        let x = solve_psd(&a, &[2.0, 2.0], 2).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14);
        let (pi, rank) = pinv_psd(&a, 2);
        assert_eq!(rank, 1);
        assert!(pi[0][0].is_infinite() && pi[1][1].is_infinite());
        assert!(solve_psd(&[[0.0f64; 2]; 2], &[1.0, 1.0], 2).is_none());
    }
}
