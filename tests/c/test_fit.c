/* C client test of the fit ABI: every parameter set recovers the parameters of a noiseless
 * synthetic curve (generated independently: closed forms in C, or grpo_trajectory_eval for the
 * oscillator sets) to 1e-8 relative; weights (uniform scaling is a no-op, a zero weight removes an
 * outlier); options defaults; statuses (NULL, NaN, too few points, unsorted times, unknown codes,
 * bad weights, constant series) with the output untouched on error. Built and run by tests/c/run.sh. */
#include "grpo_dynamics.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void close_rel(double got, double want, double rel, const char *what) {
  if (!(fabs(got - want) <= rel * fabs(want))) {
    fprintf(stderr, "%s: got %.17g want %.17g (rel %g)\n", what, got, want, rel);
    failures++;
  }
}

enum { N = 120 };
static double t[N], y[N], w[N];

/* Fit `model` to (t, y) and compare the parameters with `want[0..np]`. */
static void fit_recovers(uint32_t model, const double *want, uint32_t np, const double *weights,
                         const char *what) {
  grpo_fit_options o;
  grpo_fit_options_default(&o);
  o.model = model;
  grpo_fit_result r;
  memset(&r, 0, sizeof r);
  int32_t s = grpo_fit(t, y, weights, N, &o, &r);
  if (s != GRPO_OK) {
    fprintf(stderr, "%s: status %s\n", what, grpo_status_message(s));
    failures++;
    return;
  }
  CHECK(r.model == model);
  CHECK(r.n_params == np);
  CHECK(r.termination >= 1 && r.termination <= 3); /* converged */
  for (uint32_t i = 0; i < np; i++) close_rel(r.params[i], want[i], 1e-8, what);
  for (uint32_t i = np; i < 8; i++) CHECK(r.params[i] == 0.0);
  CHECK(r.plateau == r.params[0]);
  CHECK(r.r2 > 1.0 - 1e-12 && r.r2 <= 1.0);
  CHECK(r.cost < 1e-20);
  CHECK(r.iterations >= 1 && r.evaluations >= r.iterations);
}

int main(void) {
  for (int i = 0; i < N; i++) t[i] = 5.0 + 2.0 * i; /* time origin is t[0] = 5 */

  /* defaults (header docs) */
  grpo_fit_options o;
  memset(&o, 0xff, sizeof o);
  grpo_fit_options_default(&o);
  CHECK(o.model == GRPO_MODEL_AUTO && o.loss == 0 && o.loss_scale == 1.0 && o.max_evaluations == 0);
  CHECK(o.ftol == 1.49012e-8 && o.xtol == 1.49012e-8 && o.gtol == 0.0);
  grpo_fit_options_default(NULL); /* NULL-safe */

  /* 0 saturation: plateau - (plateau - r0) exp(-(t - t0) / tau) */
  const double sat[3] = {0.82, 0.15, 37.0};
  for (int i = 0; i < N; i++) y[i] = sat[0] - (sat[0] - sat[1]) * exp(-(t[i] - t[0]) / sat[2]);
  fit_recovers(0, sat, 3, NULL, "saturation");
  /* uniform weights change nothing; a zero weight removes an outlier */
  for (int i = 0; i < N; i++) w[i] = 3.0;
  fit_recovers(0, sat, 3, w, "saturation, uniform weights");
  const double kept = y[40];
  y[40] += 0.5;
  w[40] = 0.0;
  fit_recovers(0, sat, 3, w, "saturation, zero-weight outlier");
  y[40] = kept;

  /* 1 critical three-phase: r* - (r* - r0)(1 + omega t) exp(-omega t) */
  const double crit[3] = {0.9, 0.05, 0.04};
  for (int i = 0; i < N; i++) {
    double x = crit[2] * (t[i] - t[0]);
    y[i] = crit[0] - (crit[0] - crit[1]) * (1.0 + x) * exp(-x);
  }
  fit_recovers(1, crit, 3, NULL, "critical");

  /* 2 slow-start oscillator and 3 full oscillator, from the trajectory ABI */
  double tau[N];
  for (int i = 0; i < N; i++) tau[i] = t[i] - t[0];
  const grpo_oscillator slow = {0.7, 0.1, 0.0, 0.06, 0.35};
  CHECK(grpo_trajectory_eval(&slow, tau, N, y) == GRPO_OK);
  const double slow_p[4] = {slow.r_star, slow.r0, slow.omega, slow.zeta};
  fit_recovers(2, slow_p, 4, NULL, "slow start");
  const grpo_oscillator full = {0.6, 0.2, 0.004, 0.05, 0.5};
  CHECK(grpo_trajectory_eval(&full, tau, N, y) == GRPO_OK);
  const double full_p[5] = {full.r_star, full.r0, full.v0, full.omega, full.zeta};
  fit_recovers(3, full_p, 5, NULL, "full");

  /* 4 overdamped physical (r*, r0, tau, t_m): omega = 1/sqrt(tau t_m), zeta = sqrt(tau/t_m)/2 */
  const double od[4] = {0.75, 0.1, 40.0, 4.0};
  const grpo_oscillator odm = {od[0], od[1], 0.0, 1.0 / sqrt(od[2] * od[3]),
                               0.5 * sqrt(od[2] / od[3])};
  CHECK(grpo_trajectory_eval(&odm, tau, N, y) == GRPO_OK);
  fit_recovers(4, od, 4, NULL, "overdamped");

  /* auto on the saturation curve: some set reproduces it exactly and its plateau is right */
  for (int i = 0; i < N; i++) y[i] = sat[0] - (sat[0] - sat[1]) * exp(-(t[i] - t[0]) / sat[2]);
  grpo_fit_result r;
  CHECK(grpo_fit(t, y, NULL, N, NULL, &r) == GRPO_OK);
  CHECK(r.model <= GRPO_MODEL_OVERDAMPED);
  close_rel(r.plateau, sat[0], 1e-6, "auto plateau");
  CHECK(r.r2 > 1.0 - 1e-10);

  /* statuses; the output is untouched on error */
  grpo_fit_result keep;
  memset(&keep, 0xab, sizeof keep);
  memcpy(&r, &keep, sizeof r);
  int32_t s = grpo_fit(NULL, y, NULL, N, NULL, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  CHECK(has_prefix(grpo_status_message(s), "t:"));
  s = grpo_fit(t, y, NULL, N, NULL, NULL);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  const double kept_y = y[7];
  y[7] = NAN;
  s = grpo_fit(t, y, NULL, N, NULL, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "y:"));
  y[7] = kept_y;
  const double kept_t = t[9];
  t[9] = t[8];
  /* repeated times are one regression (several seeds logged at one step): accepted */
  s = grpo_fit(t, y, NULL, N, NULL, &r);
  CHECK(s == GRPO_OK);
  t[9] = kept_t;
  memcpy(&r, &keep, sizeof r);
  s = grpo_fit(t, y, NULL, 2, NULL, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_TOO_FEW_POINTS);
  s = grpo_fit(t, y, NULL, 0, NULL, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_EMPTY);
  double flat[N];
  for (int i = 0; i < N; i++) flat[i] = 0.3;
  s = grpo_fit(t, flat, NULL, N, NULL, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_CONSTANT);
  CHECK(has_prefix(grpo_status_message(s), "y:"));
  for (int i = 0; i < N; i++) w[i] = 1.0;
  w[3] = -1.0;
  s = grpo_fit(t, y, w, N, NULL, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(has_prefix(grpo_status_message(s), "weights:"));
  grpo_fit_options_default(&o);
  o.model = GRPO_MODEL_CONSTANT; /* a predictor candidate, not a grpo_fit set */
  s = grpo_fit(t, y, NULL, N, &o, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_UNKNOWN_CODE);
  CHECK(has_prefix(grpo_status_message(s), "model:"));
  o.model = 7;
  CHECK(GRPO_STATUS_KIND(grpo_fit(t, y, NULL, N, &o, &r)) == GRPO_ERR_UNKNOWN_CODE);
  grpo_fit_options_default(&o);
  o.loss = 3;
  s = grpo_fit(t, y, NULL, N, &o, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_UNKNOWN_CODE);
  grpo_fit_options_default(&o);
  o.loss = 1;
  o.loss_scale = 0.0;
  s = grpo_fit(t, y, NULL, N, &o, &r);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(memcmp(&r, &keep, sizeof r) == 0);

  if (failures) {
    fprintf(stderr, "test_fit: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_fit: all checks passed\n");
  return 0;
}
