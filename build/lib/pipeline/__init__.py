"""VRIC media-report pipeline: collect, tag and curate media reports on
Venezuelan, Russian, Iranian and Chinese influence in Latin America and the
Caribbean.

The stages, in data-flow order (one module each): ``fetch`` → ``parse`` →
``extract`` → ``language`` / ``outlets`` / ``tagging`` / ``dedup`` →
``store`` → ``periods`` / ``export`` / ``bundle``. ``ingest`` is the only
module that knows the order.
"""

__version__ = "0.1.0"
