"""The worker's edges: Kafka records in and out, the table store, the user directory."""
