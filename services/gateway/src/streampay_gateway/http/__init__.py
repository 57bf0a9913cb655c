"""The HTTP edge: bodies, problems, conditional reads, server guards, headers, metrics, pages."""
