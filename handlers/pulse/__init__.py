"""Pulse check-ins: rounds opened on schedule in each time zone, answers, reminders, schedules."""
