"""The recommendations subgraph: personalised product recommendations learned from order events."""
