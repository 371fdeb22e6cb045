-- 008_phone_text: a phone number is any real phone text, formatting and
-- extensions included ("(806) 395-2540 x59153"), up to 64 characters.
-- varchar to text is binary compatible: no rewrite, the indexes are kept.
ALTER TABLE contacts ALTER COLUMN phone_number TYPE text;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                    WHERE conrelid = 'contacts'::regclass
                      AND conname = 'contacts_phone_number_length') THEN
        ALTER TABLE contacts ADD CONSTRAINT contacts_phone_number_length
            CHECK (char_length(phone_number) BETWEEN 1 AND 64);
    END IF;
END $$;
