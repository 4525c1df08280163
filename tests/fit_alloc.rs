//! Zero heap allocations per fit, counted with a global allocator (this thread only).

use grpo_dynamics::fit::joint::{group_invariance, size_exponent_from_curves, Tagged};
use grpo_dynamics::fit::{fit, fit_auto, Loss, Options, ParamSet, Start};
#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{count_allocations, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn fits_do_not_allocate() {
    let t: Vec<f64> = (0..2000).map(|i| i as f64).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| 0.7 - 0.6 * (-t / 300.0).exp() * (1.0 + t / 300.0) + 0.01 * (t * 0.37).sin())
        .collect();
    let y2: Vec<f64> = y.iter().map(|v| v * 0.9).collect();
    let w: Vec<f64> = t.iter().map(|&t| 1.0 + (t * 0.1).cos().abs()).collect();
    let t_irregular: Vec<f64> = t
        .iter()
        .map(|&t| t + 0.25 * (t * 3.1).sin().abs())
        .collect();
    let huber = Options {
        loss: Loss::Huber(0.02),
        ..Options::default()
    };
    // no warm-up call: only this thread is counted, so even a first-call allocation would show
    let (sink, allocs) = count_allocations(|| {
        let mut sink = 0.0;
        for set in ParamSet::ALL {
            for (tt, ww, o) in [
                (&t, None, Options::default()),
                (&t_irregular, Some(&w[..]), huber),
            ] {
                let f = fit(set, tt, &y, ww, Start::Data, &o).unwrap();
                sink += f.cost;
            }
        }
        let a = fit_auto(&t, &y, None, &Options::default()).unwrap();
        sink += a.cost;
        let curves = [
            Tagged {
                tag: 4.0,
                t: &t[..],
                y: &y[..],
                w: None,
            },
            Tagged {
                tag: 16.0,
                t: &t[..],
                y: &y2[..],
                w: None,
            },
        ];
        let g =
            group_invariance::<f64, 4>(ParamSet::Saturation, &curves, &Options::default()).unwrap();
        sink += g.f_stat;
        let s =
            size_exponent_from_curves::<f64, 4>(ParamSet::Saturation, &curves, &Options::default())
                .unwrap();
        sink += s.alpha;
        sink
    });
    assert!(sink.is_finite());
    assert_eq!(allocs, 0, "heap allocations during fits");
}
