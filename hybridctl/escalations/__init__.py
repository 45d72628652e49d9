"""Escalation approvals: the queue of requests for the premium model, their
deadlines, and how their review goes. Pure: the application layer reads
the events from the store and sends the alerts."""
