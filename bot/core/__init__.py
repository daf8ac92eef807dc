"""The floor: the neutral chat model, router, runtime, clock, settings, parsing and metrics.

Imports nothing of culturebot above it."""
