"""The platform every subgraph stands on: settings, database, auth, events, app factory.

Subgraphs import from here instead of re-implementing infrastructure, so a fix to
(say) the outbox relay lands in all four services at once.
"""
