"""Imported by the pool processes' fork server (:data:`pipeline.isolation.PRELOAD_MODULES`),
and by nothing else: the extractor pool's task (:mod:`pipeline.ingest.pages`)
assembles articles, so every pool process needs the article stages imported
and langdetect's profiles loaded. Done once here, a new pool process starts
with them instead of spending about 0.9 s of CPU on them (every
``extract_recycle_after`` pages).
"""

from pipeline.article import language
from pipeline.ingest import pages  # noqa: F401 -- imported for the fork server

language.load_profiles()
