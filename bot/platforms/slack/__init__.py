"""Slack: the bolt app, Block Kit rendering, delivery, the directory sync, doctor checks, the manifest."""
