-- Agent session tokens are stored as their SHA-256 (hex) from now on, so a
-- copy of the database holds no usable sessions. Sessions stored in plain
-- text before cannot be converted here: they end, and agents log in again.
DELETE FROM agent_sessions;
