"""Automated analysis: what a canary step is judged on and how. Metric
providers (Prometheus, usage events) read each variant's figures behind one
protocol (providers/); gates and rollback triggers judge them (gates.py);
``measure`` puts the two together. It knows nothing of how a rollout moves:
the rollout package asks it for a verdict, the application acts on it."""
