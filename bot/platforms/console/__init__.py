"""The console platform: culturebot in a terminal, for local use, demos and tests."""
