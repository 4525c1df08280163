/* C client test of the predictor memory under attack (issue 14), run under AddressSanitizer and
 * UBSan by tests/c/run.sh: the memory images of the outside attack (window-length word set to
 * 1000 and to 2^61 - 9, model word set to 5, option-tag word set to 2, `out` inside the
 * predictor) give GRPO_ERR_CORRUPTED / GRPO_ERR_BAD_BUFFER with the memory and the output
 * untouched; 20,000 random single-bit and 4-bit flips never crash, never write on a failure and
 * never answer OK with a non-finite value; init writes every byte. The memory block is
 * heap-allocated with exactly grpo_predictor_size() bytes, so any write outside it is an ASan
 * heap-buffer-overflow. */
#include "grpo_dynamics.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Byte offsets of this build's layout: tag, then 8-byte fields (see src/predict/image.rs). */
#define LEN_AT (8 + 17 * 8)
#define HAS_LAST_AT (LEN_AT + 8)
#define BEST_AT (8 + (17 + 3 + 3 * 256 + 4 + 4 * 26) * 8)

static size_t SIZE;

static double reward(int i) { return 0.8 - 0.6 * exp(-i / 40.0) + 0.01 * ((i * 7919) % 13) / 13.0; }

static unsigned char *fed(void) {
  unsigned char *m = aligned_alloc(grpo_predictor_align(), SIZE);
  if (!m) abort();
  memset(m, 0xA5, SIZE);
  CHECK(grpo_predictor_init(m, SIZE, 0.0, 1.0) == GRPO_OK);
  for (int i = 0; i < 300; i++) CHECK(grpo_predictor_push(m, i, reward(i)) == GRPO_OK);
  grpo_prediction p;
  CHECK(grpo_predictor_predict(m, 1000.0, &p) == GRPO_OK);
  return m;
}

static uint64_t word(const unsigned char *m, size_t at) {
  uint64_t w;
  memcpy(&w, m + at, 8);
  return w;
}

static void set_word(unsigned char *m, size_t at, uint64_t w) { memcpy(m + at, &w, 8); }

static int all_finite(const grpo_prediction *p) {
  double xs[] = {p->plateau,     p->plateau_lo80,      p->plateau_hi80,
                 p->plateau_lo95, p->plateau_hi95,      p->horizon,
                 p->reward_at_horizon, p->horizon_lo80, p->horizon_hi80};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
    if (!isfinite(xs[i])) return 0;
  return 1;
}

/* predict then push on m: typed statuses, nothing written on failure; returns the statuses. */
static void poke(unsigned char *m, const unsigned char *clean, int32_t *sp, int32_t *su) {
  unsigned char *before = malloc(SIZE);
  if (!before) abort();
  memcpy(before, m, SIZE);
  grpo_prediction out, sent;
  memset(&sent, 0x7f, sizeof sent);
  out = sent;
  *sp = grpo_predictor_predict(m, 2000.0, &out);
  CHECK(GRPO_STATUS_KIND(*sp) != GRPO_ERR_PANIC);
  if (*sp == GRPO_OK) {
    CHECK(all_finite(&out));
  } else {
    CHECK(memcmp(&out, &sent, sizeof out) == 0);
    CHECK(memcmp(m, before, SIZE) == 0);
  }
  memcpy(before, m, SIZE);
  *su = grpo_predictor_push(m, 1e9, 0.5);
  CHECK(GRPO_STATUS_KIND(*su) != GRPO_ERR_PANIC);
  if (*su != GRPO_OK) CHECK(memcmp(m, before, SIZE) == 0);
  (void)clean;
  free(before);
}

int main(void) {
  SIZE = grpo_predictor_size();
  unsigned char *clean = fed();
  unsigned char *m = aligned_alloc(grpo_predictor_align(), SIZE);
  if (!m) abort();
  int32_t sp, su;
  const int32_t corrupted = GRPO_ERR_CORRUPTED + 256 * GRPO_STATUS_PARAM(grpo_predictor_push(NULL, 0, 0));

  /* the layout the images poke at is the real one */
  CHECK(word(clean, LEN_AT) >= 1 && word(clean, LEN_AT) <= 256);
  CHECK(word(clean, HAS_LAST_AT) == 1);
  CHECK(word(clean, BEST_AT) >= 1 && word(clean, BEST_AT) <= 4);

  struct { size_t at; uint64_t value; } images[] = {
      {LEN_AT, 1000}, {LEN_AT, (UINT64_C(1) << 61) - 9}, {LEN_AT, 257},
      {BEST_AT, 5},   {HAS_LAST_AT, 2},                  {HAS_LAST_AT, 0},
  };
  for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
    memcpy(m, clean, SIZE);
    set_word(m, images[i].at, images[i].value);
    poke(m, clean, &sp, &su);
    CHECK(sp == corrupted && su == corrupted);
    CHECK(GRPO_STATUS_KIND(sp) == GRPO_ERR_CORRUPTED);
  }

  /* out inside the predictor's memory */
  memcpy(m, clean, SIZE);
  size_t ats[] = {0, LEN_AT, SIZE - 8};
  for (size_t i = 0; i < 3; i++) {
    int32_t s = grpo_predictor_predict(m, 500.0, (grpo_prediction *)(void *)(m + ats[i]));
    CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_BAD_BUFFER);
  }
  CHECK(memcmp(m, clean, SIZE) == 0);

  /* random bit flips */
  uint64_t x = UINT64_C(0x9E3779B97F4A7C15);
  int flagged = 0;
  for (int trial = 0; trial < 20000; trial++) {
    memcpy(m, clean, SIZE);
    int nflip = trial % 2 ? 1 : 4;
    for (int f = 0; f < nflip; f++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      uint64_t bit = x % (SIZE * 8);
      m[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    }
    poke(m, clean, &sp, &su);
    flagged += GRPO_STATUS_KIND(sp) == GRPO_ERR_CORRUPTED;
  }
  CHECK(flagged > 0);

  /* init writes every byte: two inits over different garbage give identical bytes */
  unsigned char *a = aligned_alloc(grpo_predictor_align(), SIZE);
  unsigned char *b = aligned_alloc(grpo_predictor_align(), SIZE);
  if (!a || !b) abort();
  memset(a, 0xA5, SIZE);
  memset(b, 0x5A, SIZE);
  CHECK(grpo_predictor_init(a, SIZE, 0.0, 1.0) == GRPO_OK);
  CHECK(grpo_predictor_init(b, SIZE, 0.0, 1.0) == GRPO_OK);
  CHECK(memcmp(a, b, SIZE) == 0);

  /* an out-of-bounds reward is refused and leaves the memory as it was */
  memcpy(m, clean, SIZE);
  int32_t s = grpo_predictor_push(m, 300.0, 1e10);
  CHECK(GRPO_STATUS_KIND(s) == GRPO_ERR_OUT_OF_RANGE);
  CHECK(memcmp(m, clean, SIZE) == 0);

  free(a);
  free(b);
  free(m);
  free(clean);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("test_predictor_memory: all checks passed (%d of 20000 flips flagged corrupted)\n", flagged);
  return 0;
}
