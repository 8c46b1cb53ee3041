"""Ingest: the cycle that takes due feeds and queued entries through the stages.

:mod:`~pipeline.ingest.cycle` is the only place that knows the order of the
stages; :mod:`~pipeline.ingest.claimed` is the leased variant several workers
share; :mod:`~pipeline.ingest.runtime` wires the store, the HTTP client and
the process pools from the configuration.
"""
