"""Commands: sending them to Kafka, recognising retries, and answering with their replies."""
