"""The rollout state machine: stages, transitions, gates, and their audit records."""
