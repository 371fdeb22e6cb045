/* core/force.h - the one test hook of libconvo: which kind of search step
 * to take whatever the measurements say, so that the tests can prove that
 * every kind returns the same pages.
 *
 * The library links force_none.c: nothing is ever forced, and no
 * environment variable is read. The tests' copy of the library
 * (libconvo-test: core-db, convo-query-test) links tests/core/force_env.c,
 * which reads CONVO_FORCE_STEP=walk|bitmap|scan|grams|months. */
#ifndef CONVO_CORE_FORCE_H
#define CONVO_CORE_FORCE_H

/* The forced step kind as its first letter ('w', 'b', 's', 'g'; 'm': a
 * filtered search reads the months even for a few with: contacts; a
 * filtered text walks each month ('w') or reads its matches at once
 * ('b')), or 0. */
char core_forced_step(void);

#endif
