"""Writes of the relations app, one module per area (`relations.services.notices`, ...)."""
