/* The header after <stdio.h> on a libc whose `stderr` is `#define stderr (stderr)` (musl),
 * simulated on any libc: the header compiles, grpo_fit_result_stderr() reads the member (checked
 * against a direct access once the macro is gone), and `stderr` still names the stream.
 * Built and run by tests/c/run.sh. */
#include <stdio.h>
#undef stderr
#define stderr (stderr)
#include "grpo_dynamics.h"
#include "stderr_member.inc"

int main(void) {
  const double *se = NULL;
  int bad = stderr_member_checks(&se);
  fprintf(stderr, "test_header_stderr_musl: checks done\n");
#undef stderr
  if (se != stderr_result.stderr) bad++;
  printf("test_header_stderr_musl: %d failure(s)\n", bad);
  return bad ? 1 : 0;
}
