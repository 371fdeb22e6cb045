/* tests/core/fold_check.c - core's accent folding (core/fold.c) line by
 * line, for tests/core/fold.sh to compare with the server's unaccent():
 * each line of stdin printed folded, a tab, and 1 when core says it has
 * accents (0 otherwise). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

int main(void)
{
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *f = core_unaccent(line);
        if (!f)
            return 1;
        printf("%s\t%d\n", f, core_has_accents(line) ? 1 : 0);
        free(f);
    }
    return 0;
}
