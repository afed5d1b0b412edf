"""Scenario ``ours``: our product's supergraph with its real subgraphs."""
