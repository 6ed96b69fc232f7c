desk_patterns: list = []
portal_patterns: list = []
