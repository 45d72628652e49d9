"""Talking to the world: the applications' management endpoints, notification
hooks, and the reference endpoint. One place for TLS, tokens, timeouts and retries."""
