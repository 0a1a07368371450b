"""Adapters to outside contact-centre systems (chat platforms, routing engines)."""
