/* C client test of the stability ABI: spec C.10 preset A and B numbers (Prop 9, zeta = 1 onset,
 * exact critical lag d_c, first-order zeta and exact spectral radius tables, exact-linear regime
 * strings for Kref = 0..64, periodic-refresh boundaries), consistency between the functions
 * (largest stable eta <-> d_c), and statuses (NaN, out of range, NULL, unknown lag code,
 * NOT_REACHED) with outputs untouched on error. Built and run by tests/c/run.sh. */
#include "grpo_dynamics.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* (eta, mu) of spec C.10 */
static const double ETA = 0.30, MU = 0.80;

/* Preset stiffness from the bandit ABI (spec C.10: A K = 0.01885910853, B K = 0.02457649). */
static double preset_k(int preset_b, double *p_star) {
  grpo_bandit a = {ETA, MU, 1.0, 1.0 / (1.0 + exp(3.0)), 1.0 / 16.0, 0.0, 1, 1, 0, 0};
  grpo_bandit b = {ETA, MU, 1.0, 0.5, 1.0 / 8.0, 0.0, 1, 0, 0, 0};
  double k = -1.0;
  CHECK(grpo_bandit_fixed_point(preset_b ? &b : &a, p_star, &k) == GRPO_OK);
  return k;
}

static void regime_string(double k, const char *want, const char *what) {
  char got[66];
  for (uint32_t kref = 0; kref <= 64; kref++) {
    uint32_t regime = 99;
    double rho = -1.0;
    CHECK(grpo_linear_regime(ETA, MU, k, kref, 0, &regime, &rho) == GRPO_OK);
    got[kref] = regime == 0 ? 'M' : regime == 1 ? 'S' : regime == 2 ? 'X' : '?';
  }
  got[65] = '\0';
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "%s regime string:\n  got  %s\n  want %s\n", what, got, want);
    failures++;
  }
}

int main(void) {
  double p_star = 0.0;
  const double ka = preset_k(0, &p_star);
  close_to(p_star, 0.30434400724, 1e-10, "preset A p_star");
  close_to(ka, 0.01885910853, 1e-10, "preset A K");
  const double kb = preset_k(1, &p_star);
  close_to(p_star, 1.0 / (1.0 + exp(-1.0)), 1e-10, "preset B p_star = sigmoid(1)");
  close_to(kb, 0.02457649, 1e-8, "preset B K");

  /* thresholds, spec C.10 (printed to 5-7 significant digits there) */
  double v = 0.0;
  CHECK(grpo_prop9_threshold(ETA, MU, ka, &v) == GRPO_OK);
  close_to(v, (1.0 - MU) / (ETA * ka), 1e-12 * v, "prop9 A formula");
  close_to(v, 35.34985, 1e-5, "prop9 A");
  CHECK(grpo_prop9_threshold(ETA, MU, kb, &v) == GRPO_OK);
  close_to(v, 27.12619, 1e-5, "prop9 B");
  CHECK(grpo_zeta_one_onset(ETA, MU, ka, &v) == GRPO_OK);
  close_to(v, 7.81178, 1e-5, "zeta=1 onset A");
  CHECK(grpo_zeta_one_onset(ETA, MU, kb, &v) == GRPO_OK);
  close_to(v, 4.23284, 1e-5, "zeta=1 onset B");
  CHECK(grpo_critical_lag(ETA, MU, ka, &v) == GRPO_OK);
  close_to(v, 51.48475, 1e-5, "d_c A");
  CHECK(grpo_critical_lag(ETA, MU, kb, &v) == GRPO_OK);
  close_to(v, 38.70689, 1e-5, "d_c B");
  CHECK(grpo_zeta(ETA, MU, ka, 0.0, &v) == GRPO_OK);
  close_to(v, 1.401385, 1e-6, "zeta_0 A");
  CHECK(grpo_zeta(ETA, MU, kb, 0.0, &v) == GRPO_OK);
  close_to(v, 1.227604, 1e-6, "zeta_0 B");
  /* zeta = 0.9 already underdamped on policy: onset 0 (doc) */
  CHECK(grpo_zeta_one_onset(ETA, 0.9, ka, &v) == GRPO_OK);
  CHECK(v == 0.0);

  /* spec C.10 table "selected rows, preset A": first-order zeta (4 decimals) and exact rho (6) */
  static const struct {
    uint32_t kref;
    double zeta, rho;
  } rows[] = {{0, 1.4014, 0.967286},   {4, 1.2127, 0.960052},   {7, 1.0462, 0.945761},
              {8, 0.9893, 0.934187},   {12, 0.7680, 0.953876},  {16, 0.5710, 0.967681},
              {24, 0.2684, 0.983624},  {35, 0.0063, 0.993752},  {36, -0.0114, 0.994336},
              {48, -0.1747, 0.999123}, {51, -0.2048, 0.999888}, {52, -0.2142, 1.000116},
              {64, -0.3049, 1.002126}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint32_t regime = 99;
    double rho = -1.0, zeta = 99.0;
    CHECK(grpo_zeta(ETA, MU, ka, (double)rows[i].kref, &zeta) == GRPO_OK);
    close_to(zeta, rows[i].zeta, 5.1e-5, "zeta(Kref) A");
    CHECK(grpo_linear_regime(ETA, MU, ka, rows[i].kref, 0, &regime, &rho) == GRPO_OK);
    close_to(rho, rows[i].rho, 5.1e-7, "rho(Kref) A");
  }

  /* exact-linear regime strings, spec C.10 */
  regime_string(ka, "MMMMMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXX", "A");
  regime_string(kb, "MMMMMSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSXXXXXXXXXXXXXXXXXXXXXXXXXX", "B");

  /* largest lags: constant lag ceil(d_c) - 1 = 51 (A) / 38 (B); monotone up to 7 / 4;
   * periodic refresh (A): monotone up to 15, unstable from 79 */
  uint32_t u = 0;
  CHECK(grpo_largest_stable_kref(ETA, MU, ka, 0, &u) == GRPO_OK && u == 51);
  CHECK(grpo_largest_stable_kref(ETA, MU, kb, 0, &u) == GRPO_OK && u == 38);
  CHECK(grpo_largest_monotone_kref(ETA, MU, ka, 0, &u) == GRPO_OK && u == 7);
  CHECK(grpo_largest_monotone_kref(ETA, MU, kb, 0, &u) == GRPO_OK && u == 4);
  CHECK(grpo_largest_stable_kref(ETA, MU, ka, 1, &u) == GRPO_OK && u == 78);
  CHECK(grpo_largest_monotone_kref(ETA, MU, ka, 1, &u) == GRPO_OK && u == 15);
  /* periodic: the regime at the boundary lags */
  uint32_t regime = 99;
  double rho = -1.0;
  CHECK(grpo_linear_regime(ETA, MU, ka, 78, 1, &regime, &rho) == GRPO_OK && rho < 1.0);
  CHECK(grpo_linear_regime(ETA, MU, ka, 79, 1, &regime, &rho) == GRPO_OK && rho >= 1.0);
  CHECK(grpo_linear_regime(ETA, MU, ka, 15, 1, &regime, &rho) == GRPO_OK && regime == 0);
  CHECK(grpo_linear_regime(ETA, MU, ka, 16, 1, &regime, &rho) == GRPO_OK && regime != 0);

  /* largest stable eta inverts d_c: stable at Kref = 51 and unstable at 52 for eta = 0.3, and
   * d_c(eta_max) = Kref */
  double eta51 = 0.0, eta52 = 0.0;
  CHECK(grpo_largest_stable_eta(51, 0, MU, ka, &eta51) == GRPO_OK);
  CHECK(grpo_largest_stable_eta(52, 0, MU, ka, &eta52) == GRPO_OK);
  CHECK(eta52 < ETA && ETA < eta51);
  CHECK(grpo_critical_lag(eta51, MU, ka, &v) == GRPO_OK);
  close_to(v, 51.0, 1e-6, "d_c(largest stable eta at 51)");
  double eta78 = 0.0, eta79 = 0.0;
  CHECK(grpo_largest_stable_eta(78, 1, MU, ka, &eta78) == GRPO_OK);
  CHECK(grpo_largest_stable_eta(79, 1, MU, ka, &eta79) == GRPO_OK);
  CHECK(eta79 < ETA && ETA < eta78);

  /* statuses; outputs untouched on error */
  double sentinel = 12345.0;
  uint32_t usent = 777;
  int32_t s = grpo_prop9_threshold(NAN, MU, ka, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(has_prefix(grpo_status_message(s), "eta:"));
  s = grpo_critical_lag(ETA, 1.0, ka, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(has_prefix(grpo_status_message(s), "mu:"));
  s = grpo_zeta_one_onset(ETA, MU, -1.0, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  s = grpo_zeta(ETA, MU, ka, -1.0, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  s = grpo_zeta(ETA, MU, ka, INFINITY, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  s = grpo_largest_stable_eta(51, 0, MU, NAN, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(sentinel == 12345.0);
  s = grpo_critical_lag(ETA, MU, ka, NULL);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  s = grpo_largest_stable_kref(ETA, MU, ka, 2, &usent);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_UNKNOWN_CODE);
  s = grpo_linear_regime(ETA, MU, ka, 16, 7, &usent, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_UNKNOWN_CODE);
  s = grpo_linear_regime(ETA, MU, ka, 16, 0, &usent, NULL);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  CHECK(usent == 777 && sentinel == 12345.0);
  /* on-policy unstable (eta K = 18.9 > 2 (1 + mu)): d_c = 0, no stable lag */
  CHECK(grpo_critical_lag(1000.0, MU, ka, &v) == GRPO_OK && v == 0.0);
  s = grpo_largest_stable_kref(1000.0, MU, ka, 0, &usent);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NOT_REACHED);
  CHECK(has_prefix(grpo_status_message(s), "kref:"));
  /* underdamped on policy (zeta = 1 onset 0): no monotone lag */
  s = grpo_largest_monotone_kref(ETA, 0.9, ka, 0, &usent);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NOT_REACHED);
  CHECK(usent == 777);
  grpo_bandit bad = {ETA, MU, 1.0, 1.5, 1.0 / 16.0, 0.0, 1, 1, 0, 0};
  double ps = 5.0, kk = 5.0;
  s = grpo_bandit_fixed_point(&bad, &ps, &kk);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(has_prefix(grpo_status_message(s), "p_ref:"));
  s = grpo_bandit_fixed_point(NULL, &ps, &kk);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  CHECK(ps == 5.0 && kk == 5.0);

  if (failures) {
    fprintf(stderr, "test_stability: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_stability: all checks passed\n");
  return 0;
}
