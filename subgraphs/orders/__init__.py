"""The orders subgraph: the product catalogue (owner of ``Product``), orders and their status lifecycle."""
