"""Reads of the relations app, one module per area (`relations.selectors.notices`, ...)."""
