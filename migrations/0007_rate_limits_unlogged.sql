-- Hand-written: rate-limit counters are written on every limited request and worth nothing
-- after a crash, so they skip the write-ahead log (no flush to disk on each commit).
ALTER TABLE "rate_limits" SET UNLOGGED;
