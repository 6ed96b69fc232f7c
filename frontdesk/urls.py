"""The front desk's pages, under /desk/ (namespace `frontdesk`)."""

desk_patterns: list = []
portal_patterns: list = []
