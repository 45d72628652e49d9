"""Usage data: events in, prices, and the aggregations behind reports and gates."""
