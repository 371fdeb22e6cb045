/* tests/core/force_env.h - what a test tells the tests' copy of libconvo
 * (tests/core/force_env.c) beyond the environment: which statement to
 * refuse (core_forced_refusal() in core/force.h). The count is of every
 * connection's statements: for test programs that run one at a time. */
#ifndef CONVO_TESTS_FORCE_ENV_H
#define CONVO_TESTS_FORCE_ENV_H

/* Refuse the n-th statement from now (1 = the next; 0 = none), and count
 * statements from now. */
void force_refuse_statement(long n);
/* Statements sent (or refused) since the last force_refuse_statement(). */
long force_statements(void);

#endif
