//! The seeded bandit configurations and simulator helpers of the issue-18 tests
//! (tests/calibrate_bandit.rs, tests/calibrate_intervals.rs), included with `#[path]`.
#![allow(dead_code)]

use grpo_dynamics::bandit::{Bandit, Kl, Lag, Normalization};
use grpo_dynamics::numerics::rng::{Rng, Xoshiro256pp};

pub fn uni(rng: &mut Xoshiro256pp, lo: f64, hi: f64) -> f64 {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo) * u
}

pub fn log_uni(rng: &mut Xoshiro256pp, lo: f64, hi: f64) -> f64 {
    uni(rng, lo.ln(), hi.ln()).exp()
}

/// A random configuration whose fixed point exists, with learning rate set so that the on-policy
/// time scale `(1 - mu) / (eta K)` is 20..300 steps.
pub fn config(rng: &mut Xoshiro256pp) -> Option<Bandit<f64>> {
    let normalization = if rng.next_u64().is_multiple_of(2) {
        Normalization::Mean
    } else {
        Normalization::Std
    };
    let kl = if rng.next_u64().is_multiple_of(2) {
        Kl::Direct
    } else {
        Kl::Reverse
    };
    let (lag, kref) = match rng.next_u64() % 3 {
        0 => (Lag::Periodic, 1),
        1 => (Lag::Periodic, 2 + (rng.next_u64() % 7) as u32),
        _ => (Lag::Constant, 1 + (rng.next_u64() % 4) as u32),
    };
    let mut b = Bandit {
        eta: 1.0,
        mu: uni(rng, 0.0, 0.95),
        beta: log_uni(rng, 0.3, 3.0),
        p_ref: uni(rng, 0.05, 0.6),
        c: log_uni(rng, 1.0 / 32.0, 0.25),
        eps: if normalization == Normalization::Std {
            0.01
        } else {
            0.0
        },
        kref,
        normalization,
        kl,
        lag,
    };
    let k = b.stiffness().ok()?;
    let fp = b.fixed_point().ok()?;
    if k.is_nan() || k <= 0.0 || (fp.p - b.p_ref).abs() < 0.02 {
        return None;
    }
    b.eta = (1.0 - b.mu) / (k * log_uni(rng, 20.0, 300.0));
    Some(b)
}

/// First (interpolated) step at which `p` reaches `p0 + f (p_star - p0)`.
pub fn t_frac(p: &[f64], p_star: f64, f: f64) -> Option<f64> {
    let level = p[0] + f * (p_star - p[0]);
    let up = p_star > p[0];
    for i in 1..p.len() {
        let hit = if up { p[i] >= level } else { p[i] <= level };
        if hit {
            let g = (level - p[i - 1]) / (p[i] - p[i - 1]);
            return Some((i - 1) as f64 + g);
        }
    }
    None
}

pub fn simulate(b: &Bandit<f64>, n: usize) -> Option<Vec<f64>> {
    let mut p = vec![0.0; n];
    b.simulate(&mut p).ok()?;
    Some(p)
}

/// One seeded case of the what-if tests: a configuration with its fixed point `p_star`, its long
/// run (20 000 steps), its step `t95` to 95 % of the gain and, at half and at double the learning
/// rate, `(factor, t50, t90)` of the same run (both must reach 90 % within 40 000 steps).
pub struct Case {
    pub b: Bandit<f64>,
    pub p_star: f64,
    pub long: Vec<f64>,
    pub t95: f64,
    pub others: Vec<(f64, f64, f64)>,
}

/// Draws configurations until one gives a [`Case`]; `None` when this draw does not (the caller
/// draws again: the random stream is the same as drawing inline).
pub fn draw_case(rng: &mut Xoshiro256pp) -> Option<Case> {
    let b = config(rng)?;
    let p_star = b.fixed_point().unwrap().p;
    let long = simulate(&b, 20_000)?;
    let t95 = t_frac(&long, p_star, 0.95)?;
    let mut others = Vec::new();
    for fac in [0.5, 2.0] {
        let bo = Bandit {
            eta: b.eta * fac,
            ..b
        };
        let po = simulate(&bo, 40_000)?;
        others.push((fac, t_frac(&po, p_star, 0.5)?, t_frac(&po, p_star, 0.9)?));
    }
    Some(Case {
        b,
        p_star,
        long,
        t95,
        others,
    })
}
