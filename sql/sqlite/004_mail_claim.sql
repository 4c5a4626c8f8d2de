-- 004_mail_claim.sql: a mail is claimed before it is sent (issue 7), so that several
-- instances on one database send each mail once: aw_store_mail_claim() sets claimed_until
-- (Unix seconds) on the oldest due mail nobody holds, and aw_store_mail_done() clears it. A
-- claim whose instance died expires, and the mail is taken again.
ALTER TABLE mail_outbox ADD COLUMN claimed_until INTEGER;
