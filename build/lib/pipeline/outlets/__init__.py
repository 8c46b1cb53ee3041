"""Outlet lookup: who published a URL, and is it VRIC state media?

``Registry.from_file(outlets_file).lookup(url, source_url=..., at=...)`` is the
stage; ``hosts`` holds the offline host normalisation it relies on. Matching
rules and the file format are described in docs/outlets.md.
"""

from pipeline.outlets.hints import diff_flags, unknown_domain_hint
from pipeline.outlets.hosts import normalise_host, registrable_domain, split_url
from pipeline.outlets.registry import Registry

__all__ = [
    "Registry",
    "diff_flags",
    "normalise_host",
    "registrable_domain",
    "split_url",
    "unknown_domain_hint",
]
