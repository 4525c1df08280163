//! Fit benchmark on the six cases of the shared LM harness (`../shared/anchors/lm`):
//! saturation / underdamped / overdamped x n = 200 / 2000, 16 curves per case generated here with
//! the harness recipe (truth ranges of gen_data.py, noise N(0, 0.02), t = 0..n-1, start from the
//! data: plateau = mean of the last 10 %, r0 = y[0], tau = 63 % time of a box-smoothed copy;
//! oscillators start critically damped, omega = 2.146 / tau, v0 = 0, full model with v0 free).
//!
//! Functions per group (one iteration = one fit, cycling over the curves):
//! * `grpo_single`: this crate, single start (the harness start), default bounds;
//! * `grpo_default`: this crate's default path (`fit(set, t, y, None, Start::Data, &Options::default())`,
//!   what `grpo_fit` does with `grpo_fit_options_default` and the set): closed-form start, one LM
//!   run, a restart only when the cheap test fails;
//! * `grpo_auto` (oscillator cases): AUTO, every parameter set with its default path, lowest AICc
//!   (`fit_auto`); issue 15 asks for <= 2.5x `grpo_default`;
//! * `lm_crate`: `levenberg-marquardt` 0.15 (MINPACK port, nalgebra, Dyn rows) on the same
//!   problems, same start, same tolerances (ftol = xtol = 1.49012e-8, gtol = 0), with residuals
//!   and Jacobian from the same trajectory module (grid recurrences), so only the solver differs.
//!
//! `cargo bench --bench fit -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion};
use grpo_dynamics::fit::{fit, fit_auto, fit_curve, Curve, Options, ParamSet, Start};
use grpo_dynamics::trajectory::{Exponential, Oscillator};
use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::{storage::Owned, Const, Dyn, OMatrix, OVector, SVector};
use std::hint::black_box;

const CURVES: usize = 16;

struct Rng(u64);
impl Rng {
    fn uniform(&mut self, a: f64, b: f64) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        a + (b - a) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
    fn normal(&mut self) -> f64 {
        let u1 = self.uniform(1e-300, 1.0);
        let u2 = self.uniform(0.0, 1.0);
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

struct Problem {
    set: ParamSet,
    t: Vec<f64>,
    y: Vec<f64>,
    start: Vec<f64>,
}

fn make_case(kind: &str, n: usize, rng: &mut Rng) -> Vec<Problem> {
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    (0..CURVES)
        .map(|i| {
            let (set, clean): (ParamSet, Vec<f64>) = if kind == "sat" {
                let (a, r0, tau) = (
                    rng.uniform(0.4, 0.9),
                    rng.uniform(0.0, 0.2),
                    rng.uniform(20.0, n as f64 / 3.0),
                );
                let e = Exponential::new(a, r0, tau).unwrap();
                (
                    ParamSet::Saturation,
                    t.iter().map(|&t| e.value(t).unwrap()).collect(),
                )
            } else {
                let (rs, r0) = (rng.uniform(0.4, 0.9), rng.uniform(0.0, 0.2));
                let (w, z) = if kind == "oscU" {
                    let z = rng.uniform(0.2, 0.9);
                    (rng.uniform(15.0, 60.0) / n as f64, z)
                } else {
                    let z = if i % 4 == 0 {
                        1.0
                    } else {
                        rng.uniform(1.1, 3.0)
                    };
                    let slow = rng.uniform(4.0, 15.0) / n as f64;
                    (slow / (z - (z * z - 1.0).sqrt()), z)
                };
                let o = Oscillator::new(rs, r0, 0.0, w, z).unwrap();
                (
                    ParamSet::Full,
                    t.iter().map(|&t| o.value(t).unwrap()).collect(),
                )
            };
            let y: Vec<f64> = clean.iter().map(|v| v + 0.02 * rng.normal()).collect();
            let cv = Curve::new(&t, &y, None).unwrap();
            let (starts, _) = set.starts(&grpo_dynamics::fit::start::data_start(&cv));
            let start = starts[0][..set.n_params()].to_vec();
            Problem {
                set,
                t: t.clone(),
                y,
                start,
            }
        })
        .collect()
}

/// The same problem for the `levenberg-marquardt` crate (Dyn rows, as the harness).
struct LmProb<'a, const P: usize> {
    y: &'a [f64],
    p: SVector<f64, P>,
}

trait Eval<const P: usize> {
    fn values(p: &[f64; P], out: &mut [f64]);
    fn grads(p: &[f64; P], n: usize, j: &mut OMatrix<f64, Dyn, Const<P>>);
}
struct Sat;
impl Eval<3> for Sat {
    fn values(p: &[f64; 3], out: &mut [f64]) {
        match Exponential::new(p[0], p[1], p[2]) {
            Ok(e) if e.eval_grid(0.0, 1.0, out).is_ok() => {}
            _ => out.fill(f64::NAN),
        }
    }
    fn grads(p: &[f64; 3], n: usize, j: &mut OMatrix<f64, Dyn, Const<3>>) {
        let Ok(mut g) = Exponential::new(p[0], p[1], p[2]).and_then(|e| e.grid(0.0, 1.0)) else {
            j.fill(f64::NAN);
            return;
        };
        for i in 0..n {
            let gr = g.try_next().map(|x| x.1).unwrap_or([f64::NAN; 3]);
            for k in 0..3 {
                j[(i, k)] = gr[k];
            }
        }
    }
}
struct Full;
impl Eval<5> for Full {
    fn values(p: &[f64; 5], out: &mut [f64]) {
        match Oscillator::new(p[0], p[1], p[2], p[3], p[4]) {
            Ok(o) if o.eval_grid(0.0, 1.0, out).is_ok() => {}
            _ => out.fill(f64::NAN),
        }
    }
    fn grads(p: &[f64; 5], n: usize, j: &mut OMatrix<f64, Dyn, Const<5>>) {
        let Ok(mut g) =
            Oscillator::new(p[0], p[1], p[2], p[3], p[4]).and_then(|o| o.grid(0.0, 1.0))
        else {
            j.fill(f64::NAN);
            return;
        };
        for i in 0..n {
            let gr = g.try_next().map(|x| x.1).unwrap_or([f64::NAN; 5]);
            for k in 0..5 {
                j[(i, k)] = gr[k];
            }
        }
    }
}

struct Wrapped<'a, E, const P: usize>(LmProb<'a, P>, std::marker::PhantomData<E>);

impl<E: Eval<P>, const P: usize> LeastSquaresProblem<f64, Dyn, Const<P>> for Wrapped<'_, E, P> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Const<P>>;
    type ParameterStorage = Owned<f64, Const<P>>;
    fn set_params(&mut self, x: &SVector<f64, P>) {
        self.0.p.copy_from(x);
    }
    fn params(&self) -> SVector<f64, P> {
        self.0.p
    }
    fn residuals(&self) -> Option<OVector<f64, Dyn>> {
        let n = self.0.y.len();
        let mut r = OVector::<f64, Dyn>::zeros(n);
        let p: [f64; P] = self.0.p.into();
        E::values(&p, r.as_mut_slice());
        for (ri, yi) in r.iter_mut().zip(self.0.y) {
            *ri -= yi;
        }
        Some(r)
    }
    fn jacobian(&self) -> Option<OMatrix<f64, Dyn, Const<P>>> {
        let n = self.0.y.len();
        let mut j = OMatrix::<f64, Dyn, Const<P>>::zeros(n);
        let p: [f64; P] = self.0.p.into();
        E::grads(&p, n, &mut j);
        Some(j)
    }
}

fn lm_fit<E: Eval<P>, const P: usize>(pr: &Problem) -> f64 {
    let prob = Wrapped::<E, P>(
        LmProb {
            y: &pr.y,
            p: SVector::<f64, P>::from_column_slice(&pr.start),
        },
        std::marker::PhantomData,
    );
    let (prob, rep) = LevenbergMarquardt::new()
        .with_ftol(1.49012e-8)
        .with_xtol(1.49012e-8)
        .with_gtol(0.0)
        .minimize(prob);
    prob.0.p[0] + rep.objective_function
}

fn grpo_fit(pr: &Problem, start: Start<'_, f64>) -> f64 {
    let cv = Curve::new(&pr.t, &pr.y, None).unwrap();
    let b = pr.set.default_bounds((pr.t.len() - 1) as f64);
    let f = fit_curve(pr.set, &cv, start, (&b.0, &b.1), &Options::default()).unwrap();
    f.params[0] + f.cost
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(20240601);
    for (kind, n) in [
        ("sat", 200),
        ("sat", 2000),
        ("oscU", 200),
        ("oscU", 2000),
        ("oscO", 200),
        ("oscO", 2000),
    ] {
        let probs = make_case(kind, n, &mut rng);
        let mut g = c.benchmark_group(format!("{kind}_n{n}"));
        let mut k = 0usize;
        g.bench_function("grpo_single", |b| {
            b.iter(|| {
                k = (k + 1) % CURVES;
                let pr = &probs[k];
                black_box(grpo_fit(black_box(pr), Start::Given(&pr.start)))
            })
        });
        g.bench_function("grpo_default", |b| {
            b.iter(|| {
                k = (k + 1) % CURVES;
                let pr = black_box(&probs[k]);
                let f = fit(pr.set, &pr.t, &pr.y, None, Start::Data, &Options::default()).unwrap();
                black_box(f.params[0] + f.cost)
            })
        });
        if kind != "sat" {
            g.bench_function("grpo_auto", |b| {
                b.iter(|| {
                    k = (k + 1) % CURVES;
                    let pr = black_box(&probs[k]);
                    let f = fit_auto(&pr.t, &pr.y, None, &Options::default()).unwrap();
                    black_box(f.params[0] + f.cost)
                })
            });
        }
        g.bench_function("lm_crate", |b| {
            b.iter(|| {
                k = (k + 1) % CURVES;
                let pr = black_box(&probs[k]);
                black_box(if kind == "sat" {
                    lm_fit::<Sat, 3>(pr)
                } else {
                    lm_fit::<Full, 5>(pr)
                })
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
