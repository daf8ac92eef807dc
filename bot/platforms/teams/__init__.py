"""Microsoft Teams: the Bot Framework adapter, token keys, Adaptive Cards, the Teams app package."""
