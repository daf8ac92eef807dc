"""Delivery: the outbox worker that turns stored plain data into messages, rate limits, in-doubt checks."""
