"""Backfill: collect what outlets published earlier in a period, from their
sitemaps, paged feed archives and dated search feeds (docs/backfill.md).

:mod:`~pipeline.backfill.plan` decides (pure) which sitemaps and URLs can
belong to the period; :mod:`~pipeline.backfill.sources` finds each outlet's
sources; :mod:`~pipeline.backfill.runner` walks them and hands the URLs to the
cycle's article stages.
"""
