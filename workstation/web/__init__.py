"""Web assets (package data): the demo shop's scripts and styles, the agent's replay page, rrweb from npm."""
