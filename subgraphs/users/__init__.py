"""The users subgraph: accounts, login, preferences; owner of the ``User`` entity."""
