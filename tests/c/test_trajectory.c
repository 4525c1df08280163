/* C client test of the trajectory ABI: golden values of spec F, statuses, outputs untouched on
 * error, version macros against grpo_version(). Built and run by tests/c/run.sh. */
#include "grpo_dynamics.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  /* version macros agree with the library */
  char want_version[64];
  snprintf(want_version, sizeof want_version, "%d.%d.%d", GRPO_VERSION_MAJOR, GRPO_VERSION_MINOR,
           GRPO_VERSION_PATCH);
  CHECK(strcmp(grpo_version(), want_version) == 0);
  CHECK(strcmp(grpo_status_message(GRPO_OK), "ok") == 0);

  /* golden values, spec F: (r*, r0, v0, omega) = (0.7, 0.1, 0, 0.15) */
  grpo_oscillator m = {0.7, 0.1, 0.0, 0.15, 0.3};
  double t10 = 10.0, r = -1.0;
  CHECK(grpo_trajectory_eval(&m, &t10, 1, &r) == GRPO_OK);
  close_to(r, 0.52751704622460285, 1e-15, "zeta=0.3 t=10");
  m.zeta = 1.0;
  CHECK(grpo_trajectory_eval(&m, &t10, 1, &r) == GRPO_OK);
  close_to(r, 0.36530475977735526, 1e-15, "zeta=1 t=10");
  m.zeta = 1.0 - 1e-6;
  CHECK(grpo_trajectory_eval(&m, &t10, 1, &r) == GRPO_OK);
  close_to(r, 0.36530491039029243, 1e-15, "zeta=1-1e-6 t=10");
  m.zeta = 1.0 + 1e-6;
  CHECK(grpo_trajectory_eval(&m, &t10, 1, &r) == GRPO_OK);
  close_to(r, 0.36530460916457623, 1e-15, "zeta=1+1e-6 t=10");
  m.zeta = 3.0;
  double t40 = 40.0;
  CHECK(grpo_trajectory_eval(&m, &t40, 1, &r) == GRPO_OK);
  close_to(r, 0.47917475848327531, 1e-15, "zeta=3 t=40");

  /* Jacobian at zeta = 1, t = 10 (order r_star, r0, v0, omega, zeta) */
  m.zeta = 1.0;
  double value = 0.0, grad[5] = {0};
  CHECK(grpo_trajectory_jacobian(&m, 10.0, &value, grad) == GRPO_OK);
  close_to(value, 0.36530475977735526, 1e-15, "jacobian value");
  const double gw[5] = {0.442174599629, 0.557825400371, 2.23130160148, 2.00817144134,
                        -0.1506128581};
  for (int i = 0; i < 5; i++) close_to(grad[i], gw[i], 1e-10, "jacobian component");

  /* grid path equals pointwise evaluation */
  enum { N = 1000 };
  static double ts[N], pointwise[N], grid[N];
  m.zeta = 0.4;
  for (int i = 0; i < N; i++) ts[i] = 0.5 + 0.25 * i;
  CHECK(grpo_trajectory_eval(&m, ts, N, pointwise) == GRPO_OK);
  CHECK(grpo_trajectory_eval_grid(&m, 0.5, 0.25, N, grid) == GRPO_OK);
  for (int i = 0; i < N; i++) close_to(grid[i], pointwise[i], 1e-13, "grid vs pointwise");

  /* time to 80% of the gain, critical slow start: omega t = 2.994308... (Lambert W) */
  m.zeta = 1.0;
  double t80 = 0.0;
  CHECK(grpo_time_to_fraction(&m, 0.8, &t80) == GRPO_OK);
  close_to(t80 * m.omega, 2.9943083, 1e-6, "critical t80");

  /* bad input: statuses name the problem; outputs untouched */
  double sentinel = 12345.0;
  int32_t s = grpo_trajectory_eval(NULL, &t10, 1, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  CHECK(sentinel == 12345.0);
  grpo_oscillator bad = {0.7, 0.1, 0.0, NAN, 1.0};
  s = grpo_trajectory_eval(&bad, &t10, 1, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  CHECK(strcmp(grpo_status_message(s), "omega: value is NaN or infinite") == 0);
  CHECK(sentinel == 12345.0);
  bad.omega = -1.0;
  s = grpo_trajectory_eval(&bad, &t10, 1, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(sentinel == 12345.0);
  bad.omega = 0.15;
  bad.zeta = -0.5;
  s = grpo_trajectory_eval(&bad, &t10, 1, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(strncmp(grpo_status_message(s), "zeta:", 5) == 0);
  s = grpo_trajectory_eval(&m, NULL, 3, grid);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);
  s = grpo_trajectory_eval(&m, ts, 0, NULL); /* n = 0: nothing to do */
  CHECK(s == GRPO_OK);
  s = grpo_trajectory_eval_grid(&m, 0.0, NAN, 4, grid);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NON_FINITE);
  s = grpo_time_to_fraction(&m, 1.5, &sentinel);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(sentinel == 12345.0);
  s = grpo_trajectory_jacobian(&m, 1.0, &value, NULL);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_NULL);

  if (failures) {
    fprintf(stderr, "test_trajectory: %d failure(s)\n", failures);
    return 1;
  }
  printf("test_trajectory: all checks passed\n");
  return 0;
}
