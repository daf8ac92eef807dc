"""Reports and the one disclosure gate every output passes: periods, pulse reports, comment sets,
live counts, story periods and the anonymity of a story's group."""
