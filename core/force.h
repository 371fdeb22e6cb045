/* core/force.h - the test hooks of libconvo: which kind of search step to
 * take whatever the measurements say, so that the tests can prove that
 * every kind returns the same pages; and a statement to refuse, so that
 * they can prove that a call whose statement fails, wherever it fails,
 * frees what it held and leaves the connection as usable as before.
 *
 * The library links force_none.c: nothing is ever forced, and no
 * environment variable is read. The tests' copy of the library
 * (libconvo-test: core-db, core-faults, convo-query-test) links
 * tests/core/force_env.c, which reads
 * CONVO_FORCE_STEP=walk|bitmap|scan|grams|months and is told which
 * statement to refuse by tests/core/force_env.h. */
#ifndef CONVO_CORE_FORCE_H
#define CONVO_CORE_FORCE_H

#include <stdbool.h>

/* The forced step kind as its first letter ('w', 'b', 's', 'g'; 'm': a
 * filtered search reads the months even for a few with: contacts; a
 * filtered text walks each month ('w') or reads its matches at once
 * ('b')), or 0. */
char core_forced_step(void);

/* Called before each statement a connection sends: true refuses it as if
 * the connection had been cancelled (CORE_ERR_CANCELLED). */
bool core_forced_refusal(void);

#endif
