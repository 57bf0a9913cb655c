"""The projector process: the ``project`` role alone, in a consumer group of its own.

``python -m streampay_streams.projector`` reads the event log and keeps every view topic up to
date; it can be scaled, restarted or killed apart from the deciding workers, which answer
commands as soon as their events are recorded. ``python -m streampay_streams.projector.health``
is its probe.
"""
