"""Router benchmark against its peers (`make bench`, bench/run.py); dev-only, never imported at runtime."""
