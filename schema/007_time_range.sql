-- 007_time_range: every message time convo can show and page across.
-- PostgreSQL stores instants from 4713 BC to 294276 AD and +-infinity;
-- convo counts microseconds since 1970 in 64 bits, which end in 294247 AD,
-- and its cursors need finite times. So a message must be finite and before
-- the year 100000: anything else is refused when written, with this
-- constraint's name in the error, rather than breaking every reader later.
-- BC dates are fine. Idempotent; adding it checks the rows already there.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = 'messages'::regclass
                      AND conname = 'messages_created_at_supported') THEN
        ALTER TABLE messages ADD CONSTRAINT messages_created_at_supported
            CHECK (isfinite(created_at) AND created_at < '100000-01-01 00:00:00+00');
    END IF;
END $$;
