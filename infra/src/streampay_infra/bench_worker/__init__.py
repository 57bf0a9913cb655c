"""`make bench-worker`: the write model alone, fed backlogs of pay commands straight on Kafka.

A stack of its own (broker, write-model services, the gateway only to register users), then
for each backlog: commands replied per second, commands settled per second (until no view topic
changes any more), CPU-ms per command of the write-model processes and of the broker, records
written per command per topic, and the idle produce → reply latency. See ``__main__``.
"""
