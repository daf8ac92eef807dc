"""What several capabilities share: sentiment scoring, CSV and sparkline formatting, empty tables."""
