"""People: the org import, leave, working days, erasure on request and the retention period."""
