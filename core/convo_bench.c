/* core/convo_bench.c - convo-bench (placeholder until the benchmark lands). */
#include <stdio.h>

#include "lib.h"

int main(void)
{
    fputs("convo-bench: not yet\n", stderr);
    return 1;
}
