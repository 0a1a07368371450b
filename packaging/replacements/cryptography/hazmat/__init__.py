"""See cryptography/__init__.py: the bundle's replacement carries only what SecretStorage calls."""
