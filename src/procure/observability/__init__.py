"""What operators see of a running server: structured logs with one access line per request,
and Prometheus metrics at /metrics."""
