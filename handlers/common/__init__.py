"""What several capabilities share: sentiment scoring, CSV and sparkline formatting, the
question bank of a schedule, and queueing a message in the outbox."""
