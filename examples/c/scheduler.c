/* A small training scheduler on the grpo-dynamics C ABI.
 *
 *   scheduler                 built-in synthetic reward stream (deterministic)
 *   scheduler FILE.csv        reward log with a header naming `step` and `reward` columns
 *   scheduler FILE.csv LO HI  the same with explicit reward bounds (e.g. 0 1, or -inf inf)
 *
 * Part 1 streams the rewards into a predictor living in caller-owned, correctly aligned memory and
 * prints the advice as it goes; part 2 checks the stability predicates over a hyperparameter grid.
 * Every status is checked; errors print grpo_status_message() and exit with code 1. The output is
 * deterministic and printed with the same formats as examples/python/scheduler.py. */
#include "grpo_dynamics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 100000
#define REPORT_EVERY 25

static double steps[MAX_POINTS], rewards[MAX_POINTS];

static void die(const char *msg) {
  fprintf(stderr, "error: %s\n", msg);
  exit(1);
}

static void check(int32_t status, const char *what) {
  if (status != GRPO_OK) {
    fprintf(stderr, "error: %s: %s (status %d)\n", what, grpo_status_message(status), (int)status);
    exit(1);
  }
}

/* Numbers are printed with %.6f; NaN and infinities spelled the same way as Python does. */
static const char *num(double x, char *buf, size_t len) {
  if (isnan(x)) snprintf(buf, len, "nan");
  else if (isinf(x)) snprintf(buf, len, x > 0 ? "inf" : "-inf");
  else snprintf(buf, len, "%.6f", x);
  return buf;
}

static const char *advice_word(uint32_t a) {
  switch (a) {
    case 1: return "continue";
    case 2: return "stop-plateau";
    case 3: return "stop-unstable";
    default: return "unknown";
  }
}

static const char *regime_word(uint32_t r) {
  switch (r) {
    case 1: return "flat";
    case 2: return "saturating";
    case 3: return "oscillating";
    case 4: return "collapsing";
    default: return "unknown";
  }
}

static const char *model_word(uint32_t m) {
  switch (m) {
    case 1: return "constant";
    case 2: return "saturation";
    case 3: return "critical";
    case 4: return "oscillator";
    default: return "unknown";
  }
}

static const char *linear_word(uint32_t r) {
  switch (r) {
    case 0: return "monotone";
    case 1: return "overshooting";
    case 2: return "oscillatory";
    default: return "unknown";
  }
}

/* Parse one decimal number occupying the whole field; 0 on failure. Hexadecimal and
 * "nan(...)" forms (accepted by strtod, not by Python's float) are rejected. */
static int parse_number(const char *s, double *out) {
  char *end = NULL;
  while (*s == ' ' || *s == '\t') s++;
  if (*s == '\0' || strpbrk(s, "xX(_")) return 0;
  errno = 0;
  double v = strtod(s, &end);
  while (*end == ' ' || *end == '\t') end++;
  if (*end != '\0' || errno == ERANGE) return 0;
  *out = v;
  return 1;
}

/* Split `line` in place at commas; returns the number of fields (at most `max`). */
static size_t split(char *line, char **fields, size_t max) {
  size_t n = 0;
  char *p = line;
  for (;;) {
    if (n == max) return max + 1;
    fields[n++] = p;
    char *comma = strchr(p, ',');
    if (!comma) break;
    *comma = '\0';
    p = comma + 1;
  }
  return n;
}

static size_t read_csv(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
    exit(1);
  }
  static char line[1 << 16];
  char *fields[256];
  char msg[512];
  long step_col = -1, reward_col = -1;
  size_t n = 0, lineno = 0;
  int have_header = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      snprintf(msg, sizeof msg, "%s:%zu: line too long", path, lineno);
      die(msg);
    }
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    size_t nf = split(line, fields, 256);
    if (nf > 256) {
      snprintf(msg, sizeof msg, "%s:%zu: too many columns", path, lineno);
      die(msg);
    }
    if (!have_header) {
      have_header = 1;
      for (size_t i = 0; i < nf; i++) {
        char *name = fields[i];
        while (*name == ' ') name++;
        size_t l = strlen(name);
        while (l > 0 && name[l - 1] == ' ') name[--l] = '\0';
        if (strcmp(name, "step") == 0 && step_col < 0) step_col = (long)i;
        if (strcmp(name, "reward") == 0 && reward_col < 0) reward_col = (long)i;
      }
      if (step_col < 0 || reward_col < 0) {
        snprintf(msg, sizeof msg, "%s:%zu: header lacks a '%s' column", path, lineno,
                 step_col < 0 ? "step" : "reward");
        die(msg);
      }
      continue;
    }
    if ((long)nf <= step_col || (long)nf <= reward_col) {
      snprintf(msg, sizeof msg, "%s:%zu: missing step or reward field", path, lineno);
      die(msg);
    }
    if (n == MAX_POINTS) {
      snprintf(msg, sizeof msg, "%s:%zu: more than %d points", path, lineno, MAX_POINTS);
      die(msg);
    }
    if (!parse_number(fields[step_col], &steps[n])) {
      snprintf(msg, sizeof msg, "%s:%zu: bad step value", path, lineno);
      die(msg);
    }
    if (!parse_number(fields[reward_col], &rewards[n])) {
      snprintf(msg, sizeof msg, "%s:%zu: bad reward value", path, lineno);
      die(msg);
    }
    n++;
  }
  int read_error = ferror(f);
  fclose(f);
  if (read_error) {
    snprintf(msg, sizeof msg, "%s: read error", path);
    die(msg);
  }
  if (!have_header) {
    snprintf(msg, sizeof msg, "%s: empty file", path);
    die(msg);
  }
  if (n == 0) {
    snprintf(msg, sizeof msg, "%s: no data rows", path);
    die(msg);
  }
  return n;
}

/* Built-in stream: an underdamped slow start plus deterministic pseudo-noise (xorshift64,
 * uniform in [-0.02, 0.02)), so that C and Python produce bit-identical input. */
static size_t synthetic(void) {
  const grpo_oscillator m = {0.7, 0.1, 0.0, 0.05, 0.6};
  const size_t n = 240;
  check(grpo_trajectory_eval_grid(&m, 1.0, 1.0, n, rewards), "grpo_trajectory_eval_grid");
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double u = (double)(x >> 11) * (1.0 / 9007199254740992.0);
    steps[i] = (double)(i + 1);
    rewards[i] += 0.04 * (u - 0.5);
  }
  printf("input: synthetic r_star=0.7 r0=0.1 v0=0 omega=0.05 zeta=0.6 noise=0.02 points=%zu\n", n);
  return n;
}

static void print_prediction(const char *tag, double step, const grpo_prediction *p) {
  char a[32], b[32], c[32], d[32], e[32];
  printf("%s step=%.6g plateau=%s lo80=%s hi80=%s r_at_horizon=%s r2=%s model=%s regime=%s advice=%s\n",
         tag, step, num(p->plateau, a, sizeof a), num(p->plateau_lo80, b, sizeof b),
         num(p->plateau_hi80, c, sizeof c), num(p->reward_at_horizon, d, sizeof d),
         num(p->r2, e, sizeof e), model_word(p->model), regime_word(p->regime),
         advice_word(p->advice));
}

static void stream(size_t n, double lo, double hi) {
  size_t size = grpo_predictor_size(), align = grpo_predictor_align();
  /* aligned_alloc wants a size that is a multiple of the alignment */
  size_t len = (size + align - 1) / align * align;
  void *mem = aligned_alloc(align, len);
  if (!mem) die("out of memory");
  check(grpo_predictor_init(mem, len, lo, hi), "grpo_predictor_init");
  char a[32], b[32];
  printf("predictor: reward bounds [%s, %s]\n", num(lo, a, sizeof a), num(hi, b, sizeof b));

  uint32_t last_advice = 0;
  int stopped = 0;
  grpo_prediction p;
  memset(&p, 0, sizeof p);
  for (size_t i = 0; i < n; i++) {
    char what[64];
    snprintf(what, sizeof what, "grpo_predictor_push (point %zu)", i + 1);
    check(grpo_predictor_push(mem, steps[i], rewards[i]), what);
    /* horizon: as far ahead again as the run so far */
    double horizon = steps[i] + (steps[i] - steps[0]);
    int32_t s = grpo_predictor_predict(mem, horizon, &p);
    if (GRPO_STATUS_KIND(s) == GRPO_ERR_NOT_READY) continue; /* fewer than 6 points */
    check(s, "grpo_predictor_predict");
    if (p.advice != last_advice) {
      print_prediction("advice-change", steps[i], &p);
      if ((p.advice == GRPO_ADVICE_STOP_PLATEAU || p.advice == GRPO_ADVICE_STOP_COLLAPSING) && !stopped) {
        printf("would stop at step=%.6g (point %zu of %zu)\n", steps[i], i + 1, n);
        stopped = 1;
      }
      last_advice = p.advice;
    } else if ((i + 1) % REPORT_EVERY == 0) {
      print_prediction("progress", steps[i], &p);
    }
  }
  if (last_advice == 0) die("fewer than 6 points: no prediction");
  char c[32], d[32], e[32];
  printf("final step=%.6g model=%s regime=%s advice=%s\n", steps[n - 1], model_word(p.model),
         regime_word(p.regime), advice_word(p.advice));
  printf("plateau %s lo80 %s hi80 %s lo95 %s hi95 %s\n", num(p.plateau, a, sizeof a),
         num(p.plateau_lo80, b, sizeof b), num(p.plateau_hi80, c, sizeof c),
         num(p.plateau_lo95, d, sizeof d), num(p.plateau_hi95, e, sizeof e));
  free(mem);
}

/* Stiffness K of preset A (docs/model.md C.10): std normalisation, eps 0, direct KL, p_ref = sigmoid(-3),
 * c = 1/16, constant lag, eta 0.3, mu 0.8, beta 1. */
static double preset_a_stiffness(void) {
  grpo_bandit b = {0.3, 0.8, 1.0, 1.0 / (1.0 + exp(3.0)), 1.0 / 16.0, 0.0, 1, 1, 0, 0};
  double p_star = 0.0, k = 0.0;
  check(grpo_bandit_fixed_point(&b, &p_star, &k), "grpo_bandit_fixed_point");
  printf("stability: preset A p_star=%.6f K=%.6f\n", p_star, k);
  return k;
}

/* Largest stable / monotone lag as text ("none" when even the on-policy map fails). */
static const char *kref_text(int32_t s, uint32_t v, char *buf, size_t len, const char *what) {
  if (GRPO_STATUS_KIND(s) == GRPO_ERR_NOT_REACHED) snprintf(buf, len, "none");
  else {
    check(s, what);
    snprintf(buf, len, "%u", (unsigned)v);
  }
  return buf;
}

static void stability_grid(void) {
  const double k = preset_a_stiffness();
  const double etas[] = {0.1, 0.3, 1.0};
  const double mus[] = {0.0, 0.8, 0.9};
  const uint32_t kref = 16; /* the lag the table checks */
  printf("%5s %4s %10s %8s %10s %7s %7s %7s %13s %8s %6s\n", "eta", "mu", "prop9", "zeta1",
         "d_c", "stable", "stableP", "monoton", "regime@16", "rho@16", "ok@16");
  for (size_t i = 0; i < sizeof etas / sizeof etas[0]; i++) {
    for (size_t j = 0; j < sizeof mus / sizeof mus[0]; j++) {
      double eta = etas[i], mu = mus[j];
      double prop9 = 0, zeta1 = 0, dc = 0, rho = 0;
      uint32_t stable_c = 0, stable_p = 0, mono = 0, regime = 0;
      check(grpo_prop9_threshold(eta, mu, k, &prop9), "grpo_prop9_threshold");
      check(grpo_zeta_one_onset(eta, mu, k, &zeta1), "grpo_zeta_one_onset");
      check(grpo_critical_lag(eta, mu, k, &dc), "grpo_critical_lag");
      int32_t sc = grpo_largest_stable_kref(eta, mu, k, 0, &stable_c);
      int32_t sp = grpo_largest_stable_kref(eta, mu, k, 1, &stable_p);
      int32_t sm = grpo_largest_monotone_kref(eta, mu, k, 0, &mono);
      check(grpo_linear_regime(eta, mu, k, kref, 0, &regime, &rho), "grpo_linear_regime");
      char t1[16], t2[16], t3[16];
      printf("%5.2f %4.2f %10.3f %8.3f %10.3f %7s %7s %7s %13s %8.6f %6s\n", eta, mu, prop9,
             zeta1, dc, kref_text(sc, stable_c, t1, sizeof t1, "grpo_largest_stable_kref"),
             kref_text(sp, stable_p, t2, sizeof t2, "grpo_largest_stable_kref"),
             kref_text(sm, mono, t3, sizeof t3, "grpo_largest_monotone_kref"),
             linear_word(regime), rho, (double)kref < dc && rho < 1.0 ? "yes" : "NO");
    }
  }
}

int main(int argc, char **argv) {
  printf("grpo-dynamics scheduler (library %s)\n", grpo_version());
  size_t n;
  double lo = 0.0, hi = 1.0;
  if (argc == 1) {
    n = synthetic();
  } else if (argc == 2 || argc == 4) {
    n = read_csv(argv[1]);
    printf("input: %s points=%zu\n", argv[1], n);
    if (argc == 4) {
      if (!parse_number(argv[2], &lo) || !parse_number(argv[3], &hi)) die("bad reward bounds");
    } else {
      /* default bounds: [0, 1] when every reward is a rate, else unbounded */
      for (size_t i = 0; i < n; i++) {
        if (!(rewards[i] >= 0.0 && rewards[i] <= 1.0)) {
          lo = -INFINITY;
          hi = INFINITY;
          break;
        }
      }
    }
  } else {
    fprintf(stderr, "usage: %s [FILE.csv [REWARD_MIN REWARD_MAX]]\n", argv[0]);
    return 1;
  }
  stream(n, lo, hi);
  stability_grid();
  return 0;
}
