-- 014_one_process: a statement that reads few rows from many months runs
-- in one process.
--
-- Search's n-gram step asks up to 10 months at once for the rows holding
-- a term's rare n-grams (core_sql_grams in core/search_sql.c), as one
-- prepared statement with a generic plan. Not knowing the n-grams, the
-- planner expects 0.5% of each month and picks a Parallel Append over the
-- larger months; starting its workers then costs 6-16 ms, where the index
-- answers in a fraction of a millisecond (measured on the 5M data set: 16
-- ms and 0.13 ms for the same statement over 10 months of an absent term).
-- A qual that calls a PARALLEL RESTRICTED function keeps the planner from
-- considering workers for that table; without arguments it is evaluated
-- once per statement (a one-time filter), not per row. PL/pgSQL, so that
-- the planner cannot inline it away.
CREATE OR REPLACE FUNCTION public.convo_one_process() RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED AS $$
BEGIN
    RETURN true;
END $$;
