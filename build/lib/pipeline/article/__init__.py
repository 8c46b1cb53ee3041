"""Article facts (pure): one fetched page or feed entry becomes an article record.

Canonical URLs and identity, hosts, dates, language, opinion, state-wire
syndication, duplicates and text hygiene, and :mod:`~pipeline.article.assemble`,
which composes them for one page. No I/O, no clock: ``now`` is passed in.
"""
