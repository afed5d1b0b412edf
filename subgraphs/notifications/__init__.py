"""The notifications subgraph: per-user notifications from order, recommendation and promotion events."""
