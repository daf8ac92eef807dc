"""Customer stories and ideas: capture, reactions, the weekly digest, and their figures."""
