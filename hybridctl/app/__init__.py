"""The application layer: settings, the workspace, and the services that
combine domains (delivery after a transition, the automated analysis, status,
the catalog check against providers, a diff priced on usage)."""
