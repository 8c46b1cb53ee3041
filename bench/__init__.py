"""Benchmarks of the VRIC pipeline, reported as ratios (docs/benchmarks.md).

``python -m bench`` (``make bench``) runs every scenario; ``--quick`` runs
them at small scales. Modules: ``corpus`` (seeded articles, pages and feeds,
with ``vocab``, ``pages`` and ``feeds``), ``server`` and ``sites`` (the local server),
``harness`` (wiring), ``p1_ingest`` ... ``p5_memory`` (the scenarios),
``report`` (the results table) and ``profiles`` (cProfile helpers).
``tagging_bench`` belongs to the tagging work and is reused by P2.
"""
