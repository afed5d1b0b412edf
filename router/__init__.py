"""A Python Apollo Federation v2 router and composer.

Data flows one way through the stages (see docs/architecture.md):
``supergraph/`` reads the supergraph SDL, ``planning/`` turns an operation into a
plan, ``execution/`` runs the plan against subgraphs, ``server/`` speaks GraphQL
over HTTP, and ``composition/`` produces the supergraph SDL from subgraph SDLs.
"""
