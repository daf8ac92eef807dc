"""What a person sees first: help by role, their report, and the personal home view."""
