"""Live views: Kafka topics read once per process and streamed to browsers over SSE."""
