"""Cascading leadership messages: the chain engine, relays, nudges, previews and the chain report."""
