"""Sources: feed health policy (retry, backoff, states), feed discovery and
the operator's fetch-and-parse probes."""
