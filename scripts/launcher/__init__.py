"""The pieces of ``make run`` (scripts/run_all.py): what to start where, the checks before
starting, the supergraph to serve, and the child processes."""
