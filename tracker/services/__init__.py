"""Use-cases of tracker; they own the transactions and take the session as a keyword."""
