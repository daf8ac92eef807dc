"""Microsoft Teams: the adapter with TestAdapter, and end to end over HTTP."""
