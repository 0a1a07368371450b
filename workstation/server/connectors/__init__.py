"""Connectors: the backend imports customers and their history from the systems a contact centre
already runs (a CRM/ERP, a ticket system) and writes the agent's work back to them."""
