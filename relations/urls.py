"""Resident relations pages: staff pages under /relations/ (namespace `relations`) and portal
pages under /portal/ (namespace `portal`). Each area adds its own block of paths."""

desk_patterns: list = []

portal_patterns: list = []
