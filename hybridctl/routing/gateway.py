"""The model names a gateway serves for a bundle: the one convention shared by
the routing library (``Route.gateway_model``) and ``hybridctl render --format
litellm``, so an application asks the gateway for exactly the entry its route
chose.

- a role's own route (its primary, with the role's fallback chain): the role's
  name, ``architect``;
- an escalated or forced route, and every fallback: the catalog model id,
  ``claude-4.1-opus``, with that model's own fallback links;
- while a canary runs, the candidate's entries carry the prefix
  ``candidate/``: ``candidate/architect``, ``candidate/claude-4.1-opus``.
"""

from __future__ import annotations

CANDIDATE_PREFIX = "candidate/"


def gateway_name(variant: str, role: str, model: str, *, plain: bool) -> str:
    """``plain``: the role's own route (primary model, role fallbacks)."""
    base = role if plain else model
    return CANDIDATE_PREFIX + base if variant == "candidate" else base
