"""The fault tier: StreamPay under a steady mixed load while its processes fail.

`python -m streampay_infra.faults` (`make test-faults`) starts a stack of its own on loopback
ports, runs every scenario of `scenarios.SCENARIOS` against it and writes a markdown and JSON
report; `tests/faults/` runs the same scenarios, shorter, inside `make test`.

A scenario is a load (`load.Load`: users paying, requesting, paying and declining requests over
HTTP, each command retried with its `Idempotency-Key` until it has a final answer, like a
careful client), live balance views (`views.BalanceWatcher`, SSE clients that reconnect with
`Last-Event-ID` like a browser), and faults injected meanwhile (`cluster.Cluster`). Afterwards
`checks.verify` reads the topics and holds the result to `docs/architecture.md` §5: every command
answered, one answer per key, exactly one effect per accepted command and none per refused one,
the audit clean, every view's last balance the one on `balances`.
"""
