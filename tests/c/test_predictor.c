/* C client test of the predictor and diagnose ABI: caller-owned memory (size / alignment checks,
 * memory untouched on a failed init, uninitialised memory rejected), noiseless curves (saturating:
 * plateau and horizon reward exact, stop at the plateau; underdamped: oscillating; rise-and-fall:
 * collapsing), rejected points never enter the window, window compaction on long streams, two
 * predictors in two threads; grpo_diagnose numbers recomputed from the spec E formulas (Phi from
 * tail means, degeneracy from p_bar, Prop-9 margin and d_c) and its statuses. Built and run by
 * tests/c/run.sh. */
#include "grpo_dynamics.h"
#include "check.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

/* C struct layouts are a contract: grpo_diagnosis_evidence keeps its released layout (a client
 * compiled against the first header allocates 160 bytes); the E3 evidence has a struct of its own
 * with no implicit padding */
_Static_assert(sizeof(grpo_diagnosis_evidence) == 160, "grpo_diagnosis_evidence: released size");
_Static_assert(offsetof(grpo_diagnosis_evidence, drop_best_end) == 24, "released layout");
_Static_assert(offsetof(grpo_diagnosis_evidence, premature_gap) == 152, "released layout");
_Static_assert(sizeof(grpo_concentration_evidence) == 104, "grpo_concentration_evidence size");
_Static_assert(offsetof(grpo_concentration_evidence, collapse_index) == 24, "no padding");
_Static_assert(offsetof(grpo_concentration_evidence, smoothing_fraction) == 96, "no padding");

/* Caller-owned predictor memory: one aligned block with room for a misaligned view too. */
static void *new_block(size_t *len) {
  size_t size = grpo_predictor_size(), align = grpo_predictor_align();
  *len = (size + 2 * align + align - 1) / align * align;
  void *mem = aligned_alloc(align, *len);
  if (!mem) abort();
  return mem;
}

static double saturating(double t) { return 0.8 - 0.6 * exp(-t / 25.0); }

/* Feed r(t) at t = 1..n and predict at `horizon`. */
static grpo_prediction run_curve(void *mem, size_t len, double (*r)(double), int n,
                                 double horizon) {
  grpo_prediction p;
  memset(&p, 0, sizeof p);
  CHECK(grpo_predictor_init(mem, len, 0.0, 1.0) == GRPO_OK);
  for (int i = 1; i <= n; i++) CHECK(grpo_predictor_push(mem, (double)i, r((double)i)) == GRPO_OK);
  CHECK(grpo_predictor_predict(mem, horizon, &p) == GRPO_OK);
  return p;
}

static double oscillating(double t) {
  const grpo_oscillator m = {0.7, 0.1, 0.0, 0.08, 0.5};
  double tt = t - 1.0, y = NAN;
  CHECK(grpo_trajectory_eval(&m, &tt, 1, &y) == GRPO_OK);
  return y;
}

static double rise_and_fall(double t) { return 0.2 + 0.6 * exp(-(t - 60.0) * (t - 60.0) / 800.0); }

static void *thread_main(void *arg) {
  grpo_prediction *out = arg;
  size_t len;
  void *mem = new_block(&len);
  *out = run_curve(mem, len, saturating, 150, 300.0);
  free(mem);
  return NULL;
}

/* The frozen layout of grpo_prediction: `model_code` took the 4 padding bytes after `advice`,
 * so an old client's struct (and every offset it uses) is unchanged. */
_Static_assert(sizeof(grpo_prediction) == 96, "grpo_prediction size");
_Static_assert(offsetof(grpo_prediction, plateau) == 0, "plateau offset");
_Static_assert(offsetof(grpo_prediction, horizon_hi80) == 64, "horizon_hi80 offset");
_Static_assert(offsetof(grpo_prediction, model) == 72, "model offset");
_Static_assert(offsetof(grpo_prediction, regime) == 76, "regime offset");
_Static_assert(offsetof(grpo_prediction, advice) == 80, "advice offset");
_Static_assert(offsetof(grpo_prediction, model_code) == 84, "model_code offset");
_Static_assert(offsetof(grpo_prediction, r2) == 88, "r2 offset");
/* One model numbering: grpo_fit's codes, plus the constant level. */
_Static_assert(GRPO_MODEL_SATURATION == 0 && GRPO_MODEL_CRITICAL == 1 &&
                   GRPO_MODEL_SLOW_START == 2 && GRPO_MODEL_FULL == 3 &&
                   GRPO_MODEL_OVERDAMPED == 4 && GRPO_MODEL_AUTO == 5 && GRPO_MODEL_CONSTANT == 6,
               "GRPO_MODEL codes");

/* The legacy `model` field and `model_code` name the same model. */
static void same_model(const grpo_prediction *p) {
  static const uint32_t legacy_to_code[5] = {99, GRPO_MODEL_CONSTANT, GRPO_MODEL_SATURATION,
                                             GRPO_MODEL_CRITICAL, GRPO_MODEL_SLOW_START};
  CHECK(p->model >= 1 && p->model <= 4);
  CHECK(p->model_code == legacy_to_code[p->model]);
}

static void predictor_tests(void) {
  const size_t size = grpo_predictor_size(), align = grpo_predictor_align();
  CHECK(size > 0);
  CHECK(align >= 8 && (align & (align - 1)) == 0);
  size_t len;
  unsigned char *mem = new_block(&len);

  /* failed init: statuses, and the memory is left untouched */
  memset(mem, 0x5a, len);
  int32_t s = grpo_predictor_init(mem, size - 1, 0.0, 1.0);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_BAD_BUFFER);
  CHECK(has_prefix(grpo_status_message(s), "mem:"));
  s = grpo_predictor_init(mem + 1, len - 1, 0.0, 1.0); /* misaligned */
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_BAD_BUFFER);
  s = grpo_predictor_init(NULL, len, 0.0, 1.0);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  s = grpo_predictor_init(mem, len, NAN, 1.0);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "reward_min:"));
  s = grpo_predictor_init(mem, len, 1.0, 0.0);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_BOUNDS_INVERTED);
  int untouched = 1;
  for (size_t i = 0; i < len; i++) untouched &= mem[i] == 0x5a;
  CHECK(untouched);

  /* memory never initialised is rejected, not trusted */
  grpo_prediction keep, p;
  memset(&keep, 0xcd, sizeof keep);
  memcpy(&p, &keep, sizeof p);
  s = grpo_predictor_push(mem, 1.0, 0.5);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_BAD_BUFFER);
  s = grpo_predictor_predict(mem, 1.0, &p);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_BAD_BUFFER);
  CHECK(GRPO_STATUS_KIND(grpo_predictor_push(NULL, 1.0, 0.5)) == GRPO_ERR_NULL);

  /* exactly the documented size at an aligned address works (also at an offset of `align`) */
  CHECK(grpo_predictor_init(mem + align, size, 0.0, 1.0) == GRPO_OK);
  /* not ready before 6 points; output untouched */
  for (int i = 1; i <= 5; i++) CHECK(grpo_predictor_push(mem + align, i, saturating(i)) == GRPO_OK);
  s = grpo_predictor_predict(mem + align, 10.0, &p);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NOT_READY);
  CHECK(memcmp(&p, &keep, sizeof p) == 0);

  /* noiseless saturating curve: plateau 0.8 and r(300) exact, saturation model, stop advice */
  p = run_curve(mem, len, saturating, 150, 300.0);
  close_to(p.plateau, 0.8, 1e-9, "saturating plateau");
  CHECK(p.plateau_lo80 <= p.plateau && p.plateau <= p.plateau_hi80);
  CHECK(p.plateau_lo95 <= p.plateau_lo80 && p.plateau_hi80 <= p.plateau_hi95);
  CHECK(p.horizon == 300.0);
  /* the forecast combines the chosen model with the power law (main): not the model's value */
  CHECK(fabs(p.reward_at_horizon - saturating(300.0)) < 0.1);
  CHECK(p.model == 2 && p.regime == 2);
  CHECK(p.model_code == GRPO_MODEL_SATURATION); /* one numbering: as grpo_fit's model */
  /* a stop needs `confirmations` evaluations at distinct evidence: one predict may say continue */
  CHECK(p.advice == 1 || p.advice == 2);
  close_to(p.r2, 1.0, 1e-9, "saturating r2");

  /* bad points are rejected and never enter the window */
  keep = p;
  CHECK(GRPO_STATUS_KIND(grpo_predictor_push(mem, 150.0, 0.5)) == GRPO_ERR_NOT_INCREASING);
  CHECK(GRPO_STATUS_KIND(grpo_predictor_push(mem, 140.0, 0.5)) == GRPO_ERR_NOT_INCREASING);
  s = grpo_predictor_push(mem, 151.0, NAN);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "reward:"));
  s = grpo_predictor_push(mem, INFINITY, 0.5);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "step:"));
  CHECK(grpo_predictor_predict(mem, 300.0, &p) == GRPO_OK);
  CHECK(memcmp(&p, &keep, sizeof p) == 0);
  /* horizon before the first point / NaN: statuses, output untouched */
  s = grpo_predictor_predict(mem, 0.5, &p);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(has_prefix(grpo_status_message(s), "horizon:"));
  s = grpo_predictor_predict(mem, NAN, &p);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  s = grpo_predictor_predict(mem, 300.0, NULL);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  CHECK(memcmp(&p, &keep, sizeof p) == 0);

  /* underdamped slow start (zeta 0.5): plateau exact, oscillator model, oscillating regime */
  p = run_curve(mem, len, oscillating, 150, 300.0);
  close_to(p.plateau, 0.7, 1e-9, "oscillating plateau");
  CHECK(p.model == 4 && p.regime == 3);
  CHECK(p.model_code == GRPO_MODEL_SLOW_START);
  /* rise and fall back to 0.2: collapsing, stop */
  p = run_curve(mem, len, rise_and_fall, 150, 300.0);
  CHECK(p.regime == 4 && p.advice == 3);
  same_model(&p);

  /* a long stream (compacted pairwise beyond GRPO_PREDICTOR_WINDOW points) */
  CHECK(grpo_predictor_init(mem, len, 0.0, 1.0) == GRPO_OK);
  for (int i = 1; i <= 8 * GRPO_PREDICTOR_WINDOW; i++)
    CHECK(grpo_predictor_push(mem, i, 0.8 - 0.6 * exp(-i / 300.0)) == GRPO_OK);
  CHECK(grpo_predictor_predict(mem, 4000.0, &p) == GRPO_OK);
  close_to(p.plateau, 0.8, 1e-6, "long stream plateau");
  CHECK(p.plateau_lo80 <= 0.8 && 0.8 <= p.plateau_hi80);

  /* one predictor per thread: two threads give the single-threaded result bit for bit */
  grpo_prediction single = run_curve(mem, len, saturating, 150, 300.0), t1, t2;
  pthread_t a, b;
  CHECK(pthread_create(&a, NULL, thread_main, &t1) == 0);
  CHECK(pthread_create(&b, NULL, thread_main, &t2) == 0);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  CHECK(memcmp(&t1, &single, sizeof single) == 0 && memcmp(&t2, &single, sizeof single) == 0);
  free(mem);
}

/* ------------------------------------------------------------------------------------------ */

enum { N = 100 };
static double train[N], eval_r[N], entropy[N], zero_std[N];

static double tail_mean(const double *x, int n, double frac) {
  int k = (int)floor(n * frac);
  if (k < 1) k = 1;
  double s = 0.0;
  for (int i = n - k; i < n; i++) s += x[i];
  return s / k;
}

static grpo_diagnose_input base_input(void) {
  grpo_diagnose_input in;
  memset(&in, 0, sizeof in);
  in.n = N;
  in.reward = train;
  in.r_min = 0.0;
  in.r_max = 1.0;
  in.r_max_eval = 1.0;
  in.expected_plateau = NAN;
  return in;
}

static void diagnose_tests(void) {
  grpo_diagnose_options o;
  memset(&o, 0, sizeof o);
  CHECK(grpo_diagnose_options_default(&o) == GRPO_OK);
  /* spec E defaults */
  CHECK(o.phi_hacking == 0.25 && o.phi_suspect == 0.5 && o.min_late_train_gain == 0.02);
  CHECK(o.plateau_fraction == 0.2 && o.late_fraction == 0.2);
  CHECK(o.degeneracy_warn == 0.5 && o.degeneracy_critical == 0.8 && o.heterogeneity == 0.1);
  CHECK(o.collapse_ratio == 0.2 && o.premature_gap == 0.1 && o.smoothing_fraction == 0.1);

  for (int i = 0; i < N; i++) {
    train[i] = 0.85 - 0.75 * exp(-i / 15.0);
    eval_r[i] = 0.1 + 0.7 * (train[i] - 0.1); /* eval tracks train: Phi = 0.7 */
  }
  /* train only: plateau 0.85, healthy, diagnostics without inputs unavailable */
  grpo_diagnose_input in = base_input();
  grpo_diagnosis d;
  CHECK(grpo_diagnose(&in, NULL, &d) == GRPO_OK);
  close_to(d.plateau, 0.85, 1e-9, "diagnose plateau");
  CHECK(d.headline == 0 && d.severity == 0);
  CHECK(d.hacking_available == 0 && isnan(d.phi));
  CHECK(d.degeneracy_available == 0 && d.concentration_available == 0);
  CHECK(d.exactly_unstable == 2 && isnan(d.margin) && isnan(d.prop9_threshold));
  CHECK(d.curve_class == 0 && d.instability_verdict == 0);

  /* E1 healthy: Phi from the tail means (plateau_fraction 0.2) */
  in.eval_reward = eval_r;
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  double g_tr = (tail_mean(train, N, 0.2) - train[0]) / (1.0 - train[0]);
  double g_ev = (tail_mean(eval_r, N, 0.2) - eval_r[0]) / (1.0 - eval_r[0]);
  CHECK(d.hacking_available == 1);
  close_to(d.train_gain, g_tr, 1e-12, "g_tr");
  close_to(d.eval_gain, g_ev, 1e-12, "g_ev");
  close_to(d.phi, g_ev / g_tr, 1e-12, "phi");
  close_to(d.phi, 0.7, 1e-12, "phi = 0.7 (eval tracks train)");
  close_to(d.late_slope, 0.7, 1e-9, "late slope");
  CHECK(d.hacking_verdict == 0 && d.headline == 0);

  /* E1 hacking: eval rises, then falls below its start */
  for (int i = 0; i < N; i++) eval_r[i] = 0.1 + 0.4 * exp(-(i - 20.0) * (i - 20.0) / 200.0);
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  g_ev = (tail_mean(eval_r, N, 0.2) - eval_r[0]) / (1.0 - eval_r[0]);
  close_to(d.phi, g_ev / g_tr, 1e-12, "phi (hacking)");
  CHECK(d.phi < 0.25 && d.hacking_verdict == 2);
  CHECK(d.headline == 1 && d.severity == 2);
  in.eval_reward = NULL;

  /* E2: 90 % zero-variance groups at G = 8: critical, heterogeneous (predicted from p_bar) */
  for (int i = 0; i < N; i++) zero_std[i] = 0.9;
  in.zero_std_frac = zero_std;
  in.group_size = 8;
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  double p_bar = tail_mean(train, N, 0.2), predicted = -1.0;
  CHECK(grpo_degeneracy(p_bar, 8, &predicted) == GRPO_OK);
  close_to(predicted, pow(p_bar, 8) + pow(1.0 - p_bar, 8), 1e-12, "D(p_bar, G)");
  CHECK(d.degeneracy_available == 1);
  close_to(d.degenerate_observed, 0.9, 1e-12, "D_obs");
  close_to(d.degenerate_predicted, predicted, 1e-12, "D predicted");
  CHECK(d.degeneracy_severity == 2 && d.heterogeneous == 1);
  CHECK(d.headline == 2 && d.severity == 2);
  in.zero_std_frac = NULL;
  in.group_size = 0;

  /* E3: entropy drops from 1 to 0.01 at point 70, once the reward is at its plateau: collapsed
   * (the windowed ratio over 10 points falls below 0.2 at point 78, where the reward is within
   * 0.01 of 0.85: severity ok); premature when the expected plateau is far above the reward
   * reached */
  for (int i = 0; i < N; i++) entropy[i] = i < 70 ? 1.0 : 0.01;
  in.entropy = entropy;
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  CHECK(d.concentration_available == 1 && d.entropy_ratio < 0.2);
  CHECK(d.concentration_verdict == 1);
  CHECK(d.headline != 3);
  in.expected_plateau = 1.0;
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  CHECK(d.concentration_verdict == 2 && d.gap_fraction > 0.1);
  CHECK(d.headline == 3 && d.severity == 2);
  /* the E3 evidence: window 10, H(0) = 1, ratio 0.01; (10 - m) + 0.01 m < 2 needs m >= 9 points
   * past 69: the collapse began at index 78; the gap is taken there, against r_max - R0 */
  grpo_concentration_evidence ce;
  memset(&ce, 0xee, sizeof ce);
  CHECK(grpo_diagnose_concentration(&in, &o, &ce) == GRPO_OK);
  CHECK(ce.skipped == 0 && ce.verdict == 2 && ce.severity == 2 && ce.reserved == 0);
  CHECK(ce.collapsed == 1 && ce.window == 10 && ce.collapse_index == 78);
  close_to(ce.h0, 1.0, 0.0, "E3 H(0)");
  close_to(ce.entropy_ratio, 0.01, 1e-15, "E3 ratio");
  close_to(ce.entropy_ratio, d.entropy_ratio, 0.0, "E3 ratio = grpo_diagnose");
  double r_c = 0.0, r_0 = 0.0;
  for (int i = 69; i <= 78; i++) r_c += train[i] / 10.0;
  for (int i = 0; i < 10; i++) r_0 += train[i] / 10.0;
  close_to(ce.reward_at_collapse, r_c, 1e-12, "E3 reward at the collapse");
  close_to(ce.plateau, 1.0, 0.0, "E3 plateau = expected");
  close_to(ce.headroom, 1.0 - r_0, 1e-12, "E3 headroom");
  close_to(ce.gap_fraction, (1.0 - r_c) / (1.0 - r_0), 1e-12, "E3 gap");
  close_to(ce.gap_fraction, d.gap_fraction, 0.0, "E3 gap = grpo_diagnose");
  CHECK(ce.collapse_ratio == 0.2 && ce.premature_gap == 0.1 && ce.smoothing_fraction == 0.1);
  /* failure: nothing written */
  grpo_concentration_evidence ce_keep = ce;
  CHECK(GRPO_STATUS_KIND(grpo_diagnose_concentration(NULL, &o, &ce)) == GRPO_ERR_NULL);
  CHECK(GRPO_STATUS_KIND(grpo_diagnose_concentration(&in, &o, NULL)) == GRPO_ERR_NULL);
  CHECK(memcmp(&ce, &ce_keep, sizeof ce) == 0);
  /* no entropy: skipped (1), numbers NaN */
  in.entropy = NULL;
  CHECK(grpo_diagnose_concentration(&in, &o, &ce) == GRPO_OK);
  CHECK(ce.skipped == 1 && ce.verdict == 0 && ce.collapsed == 0 && ce.window == 0);
  CHECK(isnan(ce.entropy_ratio) && isnan(ce.h0) && isnan(ce.gap_fraction));
  CHECK(ce.collapse_ratio == 0.2);
  in.expected_plateau = NAN;

  /* E4 with the preset-A hyperparameters: Kref 40 beyond Prop 9 but below d_c (at risk);
   * Kref 60 beyond d_c (unstable) */
  double k = 0.01885910853, dc = 0.0, prop9 = 0.0;
  CHECK(grpo_critical_lag(0.3, 0.8, k, &dc) == GRPO_OK);
  CHECK(grpo_prop9_threshold(0.3, 0.8, k, &prop9) == GRPO_OK);
  in.has_hyper = 1;
  in.eta = 0.3;
  in.mu = 0.8;
  in.k_hat = k;
  in.kref = 40.0;
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  close_to(d.margin, 1.0 - 0.3 * k * 40.0 / 0.2, 1e-12, "margin");
  close_to(d.prop9_threshold, prop9, 1e-12, "diagnose prop9");
  close_to(d.critical_lag, dc, 1e-12, "diagnose d_c");
  CHECK(d.exactly_unstable == 0 && d.instability_verdict == 2);
  in.kref = 60.0;
  CHECK(grpo_diagnose(&in, &o, &d) == GRPO_OK);
  CHECK(d.exactly_unstable == 1 && d.instability_verdict == 3);
  CHECK(d.headline == 4 && d.severity == 2);

  /* statuses; output untouched */
  grpo_diagnosis keep;
  memset(&keep, 0xee, sizeof keep);
  memcpy(&d, &keep, sizeof d);
  in = base_input();
  in.has_hyper = 1;
  in.eta = 0.3;
  in.mu = 0.8;
  in.k_hat = k;
  in.kref = 4.0;
  in.lag = 2;
  int32_t s = grpo_diagnose(&in, &o, &d);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_UNKNOWN_CODE);
  in.lag = 0;
  in.eta = NAN;
  s = grpo_diagnose(&in, &o, &d);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "eta:"));
  in = base_input();
  in.reward = NULL;
  CHECK(GRPO_STATUS_KIND(grpo_diagnose(&in, &o, &d)) == GRPO_ERR_NULL);
  CHECK(GRPO_STATUS_KIND(grpo_diagnose(NULL, &o, &d)) == GRPO_ERR_NULL);
  in = base_input();
  in.n = 5; /* fewer than the 6 checkpoints a fit needs */
  s = grpo_diagnose(&in, &o, &d);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_TOO_FEW_POINTS);
  CHECK(has_prefix(grpo_status_message(s), "reward:"));
  in.n = 0;
  CHECK(GRPO_STATUS_KIND(grpo_diagnose(&in, &o, &d)) == GRPO_ERR_EMPTY);
  in = base_input();
  train[50] = NAN;
  s = grpo_diagnose(&in, &o, &d);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "reward:"));
  train[50] = 0.5;
  double steps[N];
  for (int i = 0; i < N; i++) steps[i] = i;
  steps[30] = steps[29];
  in.steps = steps;
  CHECK(GRPO_STATUS_KIND(grpo_diagnose(&in, &o, &d)) == GRPO_ERR_NOT_INCREASING);
  in.steps = NULL;
  CHECK(GRPO_STATUS_KIND(grpo_diagnose_options_default(NULL)) == GRPO_ERR_NULL);
  CHECK(memcmp(&d, &keep, sizeof d) == 0);
}

int main(void) {
  predictor_tests();
  diagnose_tests();
  if (failures) {
    fprintf(stderr, "test_predictor: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_predictor: all checks passed\n");
  return 0;
}
