"""The web dashboard's platform-neutral half: access (links, sessions), scopes, views, and the
chat command `dashboard` that answers with a personal sign-in link."""
