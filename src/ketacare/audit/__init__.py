"""Append-only, hash-chained audit trail of reads, writes, exports and logins."""
