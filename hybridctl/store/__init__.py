"""The git-backed history of a config directory."""
