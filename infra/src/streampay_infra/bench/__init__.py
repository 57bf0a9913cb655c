"""`make bench`: measure StreamPay on a stack of its own, on loopback, and write a report.

The stack (broker, streams worker, gateway) runs in a temporary folder on free ports, like the
test stack. Load comes from separate processes (`clients`), so the generator is not what is
measured; its CPU is reported with the others. Latencies are taken from the *intended* send
time of an open-loop schedule, so a stall shows up as latency instead of as a slower rate.
"""
