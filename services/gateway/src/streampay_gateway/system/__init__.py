"""The System section: the topics, consumer groups and records, and each command's trace.

For tokens with the scope ``read:system`` (an operator's); a command's own sender may also
trace it. See :mod:`streampay_gateway.routes.system` for the routes.
"""
