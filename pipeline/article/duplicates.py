"""Duplicate keys and near-duplicate clusters.

- :func:`content_hash`: exact duplicates (SHA-256 of case- and
  space-normalised text);
- :func:`title_key`: the same story re-published under another URL by one
  outlet (accents folded, punctuation dropped); the caller compares keys
  within one outlet over 7 days;
- :func:`minhash` + :class:`ClusterIndex`: the same wire story on many sites.
  datasketch MinHash over word 3-shingles of folded text, 64 permutations,
  seed and hashing scheme pinned so stored signatures stay comparable after
  upgrades; LSH at Jaccard ~0.7, candidates verified by the estimated
  Jaccard before joining a cluster.

Empty input gives an empty key / signature, which never matches anything.

:func:`duplicate_probes` is the dedup chain: the order in which an assembled
article is compared with those already stored; the first hit makes it a
duplicate (its entries are linked to the stored article).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Hashable, Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.tagging.fold import fold
from pipeline.types import ArticleRecord, DuplicateProbe

NUM_PERM: Final = 64
SEED: Final = 20210801
SCHEME: Final = "affine32"  # pinned: datasketch 2 changed the default hash scheme
SHINGLE_WORDS: Final = 3
MIN_SHINGLES: Final = 8  # shorter texts (a headline) cluster unreliably
DEFAULT_THRESHOLD: Final = 0.7
_SIGNATURE_DTYPE: Final = np.dtype("<u4")
_WORD = re.compile(r"\w+")
TITLE_WINDOW: Final = timedelta(days=7)  # same outlet, same title: the same story
CLUSTER_WINDOW: Final = timedelta(days=30)  # how far back near-duplicates are looked for


def content_hash(text: str) -> str:
    """SHA-256 hex of the text with case and whitespace normalised; "" for empty text."""
    normalised = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    if not normalised:
        return ""
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()


def title_key(title: str) -> str:
    """Folded title, punctuation dropped: ``"¡Rusia, y Venezuela!"`` -> ``"rusia y venezuela"``."""
    return " ".join(_WORD.findall(fold(title).replace("_", " ")))


def duplicate_probes(record: ArticleRecord, now: datetime) -> tuple[DuplicateProbe, ...]:
    """The dedup chain for ``record``, in order; steps without a key are left out."""
    probes = [DuplicateProbe("url", record.url_key)]
    if record.alias_key:
        probes.append(DuplicateProbe("alias", record.alias_key))
    if record.content_hash:
        probes.append(DuplicateProbe("content", record.content_hash))
    if record.outlet and record.title_key:
        since = now - TITLE_WINDOW
        probes.append(DuplicateProbe("title", record.title_key, record.outlet, since))
    return tuple(probes)


def shingles(text: str) -> set[str]:
    words = _WORD.findall(fold(text))
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def minhash(text: str) -> bytes:
    """MinHash signature (64 little-endian uint32, 256 bytes); b"" for short text."""
    found = shingles(text)
    if len(found) < MIN_SHINGLES:
        return b""
    sketch = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_permutations())
    sketch.update_batch([s.encode("utf-8", "surrogatepass") for s in sorted(found)])
    return np.asarray(sketch.hashvalues, dtype=_SIGNATURE_DTYPE).tobytes()


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # Drawing the 64 permutations from the seed is half the cost of a signature.
    template = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return template.permutations


def _values(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype=_SIGNATURE_DTYPE)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (0.0 if either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(_values(a) == _values(b))) / (len(a) // 4)


def _sketch(signature: bytes) -> MinHash:
    values = _values(signature).astype(np.uint64)
    # Passing the cached permutations avoids redrawing them for every sketch.
    return MinHash(seed=SEED, scheme=SCHEME, hashvalues=values, permutations=_permutations())


class ClusterIndex:
    """Near-duplicate clusters over MinHash signatures.

    ``add`` puts an article in the cluster of its most similar existing
    member (estimated Jaccard >= threshold) or starts a new cluster whose id
    is the article's own id. Adding in the same order always gives the same
    clusters; :meth:`rebuild` restores stored assignments without
    re-clustering, so cluster ids stay stable across restarts. Keep the index
    to a recent window (e.g. the last 14 days) to bound memory.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._signatures: dict[Hashable, bytes] = {}
        self._cluster: dict[Hashable, Hashable] = {}
        self._members: dict[Hashable, dict[Hashable, None]] = {}  # insertion-ordered sets

    def __len__(self) -> int:
        return len(self._cluster)

    def cluster_of(self, article_id: Hashable) -> Hashable | None:
        return self._cluster.get(article_id)

    def members(self, cluster_id: Hashable) -> tuple[Hashable, ...]:
        """Indexed articles of a cluster, in the order they were added."""
        return tuple(self._members.get(cluster_id, ()))

    def best_match(self, signature: bytes) -> tuple[Hashable, float] | None:
        """The most similar indexed article at or above the threshold, if any."""
        if not signature:
            return None
        scored = (
            (similarity(signature, self._signatures[key]), key)
            for key in self._lsh.query(_sketch(signature))
        )
        hits = sorted(
            ((s, k) for s, k in scored if s >= self.threshold), key=lambda x: (-x[0], str(x[1]))
        )
        return (hits[0][1], hits[0][0]) if hits else None

    def add(
        self, article_id: Hashable, signature: bytes, cluster_id: Hashable | None = None
    ) -> Hashable:
        """Index an article; returns its cluster id (``cluster_id`` forces one)."""
        if article_id in self._cluster:
            return self._cluster[article_id]
        if cluster_id is None:
            match = self.best_match(signature)
            cluster_id = self._cluster[match[0]] if match else article_id
        self._cluster[article_id] = cluster_id
        self._members.setdefault(cluster_id, {})[article_id] = None
        if signature:
            self._signatures[article_id] = signature
            self._lsh.insert(article_id, _sketch(signature))
        return cluster_id

    def rename(self, old: Hashable, new: Hashable) -> None:
        """Give an indexed article its final id; a cluster it started takes the id too.

        Members keep their order. A no-op if ``old`` is not indexed or ``new`` is.
        """
        if old not in self._cluster or new in self._cluster:
            return
        cluster_id = self._cluster.pop(old)
        if cluster_id == old:
            cluster_id = new
            members = self._members.pop(old, {})
            for member in members:
                if member != old:
                    self._cluster[member] = new
        else:
            members = self._members.get(cluster_id, {})
        self._members[cluster_id] = {(new if m == old else m): None for m in members}
        self._cluster[new] = cluster_id
        signature = self._signatures.pop(old, None)
        if signature is not None:
            self._lsh.remove(old)
            self._signatures[new] = signature
            self._lsh.insert(new, _sketch(signature))

    def remove(self, article_id: Hashable) -> None:
        """Drop an article (e.g. when it leaves the window); its cluster keeps its id."""
        cluster_id = self._cluster.pop(article_id, None)
        if cluster_id is not None:
            self._members.get(cluster_id, {}).pop(article_id, None)
        if self._signatures.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    @classmethod
    def rebuild(
        cls,
        stored: Iterable[tuple[Hashable, bytes, Hashable | None]],
        threshold: float = DEFAULT_THRESHOLD,
    ) -> ClusterIndex:
        """An index from stored ``(article_id, signature, cluster_id)`` rows, oldest first.

        Rows with a cluster id keep it; rows without one are clustered as if added now.
        """
        index = cls(threshold=threshold)
        for article_id, signature, cluster_id in stored:
            index.add(article_id, signature, cluster_id)
        return index
