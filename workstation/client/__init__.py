"""Async adapters to the backend: REST over httpx and the push event stream."""
