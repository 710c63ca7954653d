-- `aisle site rotate-secret`: the identity secret before the last rotation,
-- and until when (Unix seconds) signatures made with it still verify, so
-- pages the store rendered before the switch keep working for a grace period.
ALTER TABLE sites ADD COLUMN previous_identity_secret TEXT;
ALTER TABLE sites ADD COLUMN previous_secret_until INTEGER;
