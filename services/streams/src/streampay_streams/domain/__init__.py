"""The functional core of the write model: pure decisions on one account, no I/O.

``decide(account, input, context)`` is the only entry; everything else here is the rules it
applies. The worker (``agents``) reads the account, calls it, stores the new account and
publishes the records, in that order.
"""
