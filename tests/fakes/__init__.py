"""Fakes of the outside world, speaking the platforms' documented JSON over real HTTP."""
