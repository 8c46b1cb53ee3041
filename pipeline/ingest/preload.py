"""Imported by the pool processes' fork server (:data:`pipeline.isolation.PRELOAD_MODULES`),
and by nothing else: the extractor pool's task (:mod:`pipeline.ingest.pages`)
assembles articles, so every pool process needs the article stages imported
and langdetect's profiles loaded. Done once here, a new pool process starts
with them instead of spending about 0.9 s of CPU on them (every
``extract_recycle_after`` pages).

Likewise one RSS and one Atom document are parsed and keyed here: feedparser
and the SAX reader import modules and build state on their first document,
which cost every new parser pool process about 0.2 s of CPU (every
``parse_recycle_after`` feeds).
"""

from datetime import UTC, datetime

from pipeline import parse
from pipeline.article import language
from pipeline.ingest import pages  # noqa: F401 -- imported for the fork server

language.load_profiles()

_NOW = datetime(2021, 10, 1, tzinfo=UTC)
_WARM_FEEDS = (
    b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>'
    b"<item><title>a</title><link>http://warm.example/a?utm_source=x</link>"
    b'<guid isPermaLink="true">http://warm.example/a</guid><dc:creator>c</dc:creator>'
    b"<pubDate>Wed, 29 Sep 2021 23:58:00 GMT</pubDate><category>c</category>"
    b"<description>&lt;p&gt;x &amp;amp; y&lt;/p&gt;</description></item></channel></rss>",
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>t</title><entry><title>a</title><link href='http://warm.example/b'/>"
    b"<id>urn:b</id><updated>2021-09-29T23:58:00Z</updated><author><name>n</name></author>"
    b"<summary type='html'>&lt;b&gt;x&lt;/b&gt;</summary></entry></feed>",
)
for _body in _WARM_FEEDS:
    parse.KeyedFeed.of(parse.parse_feed(_body, {}, "http://warm.example/", now=_NOW))
