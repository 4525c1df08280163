/* The header before <stdio.h> on a libc whose `stderr` is a macro naming another object
 * (Apple: `#define stderr __stderrp`), simulated on any libc: `result.stderr` no longer names the
 * member, grpo_fit_result_stderr() still reads it (checked against a direct access once the macro
 * is gone). Built and run by tests/c/run.sh. */
#include "grpo_dynamics.h"
#include <stdio.h>
static FILE *real_stderr(void) { return stderr; }
#undef stderr
static FILE *grpo_sim_stderrp;
#define stderr grpo_sim_stderrp
#include "stderr_member.inc"

int main(void) {
  grpo_sim_stderrp = real_stderr();
  const double *se = NULL;
  int bad = stderr_member_checks(&se);
  fprintf(stderr, "test_header_stderr_apple: checks done\n");
#undef stderr
  if (se != stderr_result.stderr) bad++;
  printf("test_header_stderr_apple: %d failure(s)\n", bad);
  return bad ? 1 : 0;
}
