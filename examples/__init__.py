"""Runnable examples against a running system (``make run``): ``python -m examples.walkthrough``."""
