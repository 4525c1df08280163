/* Shared helpers of the C client tests (tests/c/test_*.c): failure counting checks. */
#ifndef GRPO_TEST_CHECK_H
#define GRPO_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                               \
    }                                                                           \
  } while (0)

/* |got - want| <= tol */
static inline void close_to(double got, double want, double tol, const char *what) {
  if (!(fabs(got - want) <= tol)) {
    fprintf(stderr, "%s: got %.17g want %.17g (tol %g)\n", what, got, want, tol);
    failures++;
  }
}

static inline int has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

#endif
