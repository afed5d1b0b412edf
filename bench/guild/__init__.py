"""Scenario ``guild``: The Guild's graphql-gateways-benchmark reproduced with our own code."""
