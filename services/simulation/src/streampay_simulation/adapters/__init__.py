"""The simulation's ways out: the gateway's HTTP API, and the bank's direct line to Kafka."""
