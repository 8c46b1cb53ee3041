"""Deterministic, seeded corpus of news articles, pages and feeds (es / pt / en).

::

    corpus = Corpus(1000, seed=7)
    corpus.spec(12)            # ArticleSpec: outlet, URL, title, lead, paragraphs...
    corpus.page(12)            # the article page, bytes (60-130 KB of real-looking HTML)
    corpus.feed(host, [0, 5])  # an RSS 2.0 or Atom feed listing those articles
    corpus.write(Path("out"))  # pages/, feeds/ and manifest.json on disk

Every value depends only on ``(seed, index)``: article 12 is the same whatever
the corpus size, and nothing is kept in memory but a small cache, so 100k
articles can be written or streamed. About half the articles are about a VRIC
actor in a LAC country; the rest is local news. Some articles are copies of
an earlier one: ``canonical`` (same outlet, another URL, ``rel=canonical`` to
the original), ``exact`` (another outlet, same text) and ``syndicated``
(another outlet, agency credit, a few sentences changed), so that every
deduplication path has work.

    python -m bench.corpus --articles 1000 --seed 7 --out corpus-out
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from bench import vocab
from bench.feeds import FeedEntry, render_feed
from bench.pages import LAYOUTS, PageSpec, render_page

START: Final = datetime(2021, 8, 1, tzinfo=UTC)
COPY_SHARE: Final = {"canonical": 0.03, "exact": 0.03, "syndicated": 0.06}
RELEVANT_SHARE: Final = 0.5
ACTOR_WEIGHTS: Final = {"russia": 0.3, "china": 0.3, "iran": 0.1, "venezuela": 0.3}


@dataclass(frozen=True)
class Outlet:
    host: str
    name: str
    language: str
    layout: str
    feed_format: str = "rss"  # rss | atom


# Real hosts from outlets.yaml (so the registry recognises outlets and state media).
OUTLETS: Final = (
    Outlet("actualidad.rt.com", "RT en Español", "es", "portal"),
    Outlet("sputniknews.lat", "Sputnik Mundo", "es", "wire"),
    Outlet("www.hispantv.com", "HispanTV", "es", "magazine", "atom"),
    Outlet("www.telesurtv.net", "teleSUR", "es", "portal"),
    Outlet("www.granma.cu", "Granma", "es", "wire"),
    Outlet("www.infobae.com", "Infobae", "es", "portal"),
    Outlet("www.clarin.com", "Clarín", "es", "magazine"),
    Outlet("www.lanacion.com.ar", "La Nación", "es", "portal", "atom"),
    Outlet("www.eltiempo.com", "El Tiempo", "es", "magazine"),
    Outlet("www.latercera.com", "La Tercera", "es", "portal"),
    Outlet("www.elespectador.com", "El Espectador", "es", "wire"),
    Outlet("www.biobiochile.cl", "BioBioChile", "es", "magazine"),
    Outlet("www.pagina12.com.ar", "Página/12", "es", "wire"),
    Outlet("sputniknewsbr.com.br", "Sputnik Brasil", "pt", "wire"),
    Outlet("www1.folha.uol.com.br", "Folha de S.Paulo", "pt", "portal"),
    Outlet("g1.globo.com", "g1", "pt", "magazine"),
    Outlet("www.estadao.com.br", "Estadão", "pt", "portal", "atom"),
    Outlet("www.cnnbrasil.com.br", "CNN Brasil", "pt", "wire"),
    Outlet("agenciabrasil.ebc.com.br", "Agência Brasil", "pt", "wire"),
    Outlet("www.rt.com", "RT", "en", "portal"),
    Outlet("www.globaltimes.cn", "Global Times", "en", "magazine"),
    Outlet("www.presstv.ir", "Press TV", "en", "wire"),
    Outlet("www.batimes.com.ar", "Buenos Aires Times", "en", "portal"),
    Outlet("www.riotimesonline.com", "The Rio Times", "en", "magazine", "atom"),
)
_HOST_WORDS: Final = (
    "diario",
    "noticias",
    "jornal",
    "gazeta",
    "tribuna",
    "cronica",
    "correio",
    "informe",
    "semanario",
    "expresso",
    "heraldo",
    "observador",
)
_HOST_TLDS: Final = ("com.ar", "com.br", "com.mx", "cl", "com.co", "pe", "com.uy", "com", "net")


def synthetic_hosts(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct made-up news hosts (for feed polling at scale)."""
    rng = random.Random(f"{seed}:hosts")
    hosts: dict[str, None] = {}
    while len(hosts) < count:
        word, tld = rng.choice(_HOST_WORDS), rng.choice(_HOST_TLDS)
        hosts[f"www.{word}{rng.randrange(1, 10_000)}.{tld}"] = None
    return list(hosts)


@dataclass(frozen=True)
class ArticleSpec:
    index: int
    outlet: Outlet
    url: str
    canonical: str
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    author: str
    published: datetime
    section: str
    actor: str | None  # None: local news
    copy_of: int | None = None
    copy_kind: str | None = None  # canonical | exact | syndicated

    @property
    def language(self) -> str:
        return self.outlet.language

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


_POOLS: Final = {
    "city": vocab.CITIES, "official": vocab.OFFICIALS, "said": vocab.SAID, "local": vocab.LOCAL,
    "month": vocab.MONTHS, "weekday": vocab.WEEKDAYS,
}  # fmt: skip
_NUMBERS: Final = {"num": (2, 90, 100), "small": (2, 9, 1), "pct": (18, 81, 1), "day": (1, 29, 1)}


class _Filler:
    """Fills template slots from the vocabulary of one language."""

    def __init__(self, rng: random.Random, lang: str, actor: str | None) -> None:
        self.rng, self.lang = rng, lang
        actor_key = actor or rng.choice(list(ACTOR_WEIGHTS))
        self.actor_phrases = vocab.ACTORS[lang][actor_key]
        self.country = rng.choice(vocab.COUNTRIES[lang])
        self.topic_key = rng.choice(list(vocab.TOPICS[lang]))

    def value(self, key: str) -> str:
        r, lang = self.rng, self.lang
        if key[:1].isupper():
            return _cap(self.value(key.lower()))
        if key in _POOLS:
            return r.choice(_POOLS[key][lang])
        if key in _NUMBERS:
            low, high, unit = _NUMBERS[key]
            return str(r.randrange(low, high) * unit)
        special = {
            "actor": lambda: r.choice(self.actor_phrases),
            "country": lambda: self.country,
            "topic": lambda: r.choice(vocab.TOPICS[lang][self.topic_key]),
            "official_short": self._official_short,
        }
        return special[key]()

    def _official_short(self) -> str:
        return self.value("official").split(",")[-1].strip()

    def sentence(self, templates: Sequence[str]) -> str:
        return self.rng.choice(templates).format_map(_Slots(self))


class _Slots(dict[str, str]):
    """Template slots filled on first use (a sentence draws only what it names)."""

    def __init__(self, filler: _Filler) -> None:
        super().__init__()
        self.filler = filler

    def __missing__(self, key: str) -> str:
        value = self.filler.value(key)
        self[key] = value
        return value


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slug(title: str) -> str:
    keep = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(part for part in keep.split("-") if part)[:70]


class Corpus:
    """``size`` articles (indices ``0..size-1``) from one seed; see module doc."""

    def __init__(
        self, size: int, seed: int = 7, *, start: datetime = START, days: int = 60
    ) -> None:
        if size < 1:
            raise ValueError("corpus: size must be at least 1")
        self.size, self.seed, self.start, self.days = size, seed, start, days
        self._by_lang = {
            lang: [o for o in OUTLETS if o.language == lang] for lang in vocab.LANGUAGES
        }
        self.spec = lru_cache(maxsize=4096)(self._make_spec)

    def rng(self, *key: object) -> random.Random:
        return random.Random(":".join(str(k) for k in (self.seed, *key)))

    # ------------------------------------------------------------ articles
    def _make_spec(self, index: int) -> ArticleSpec:
        if not 0 <= index < self.size:
            raise IndexError(f"corpus: article {index} outside 0..{self.size - 1}")
        rng = self.rng("article", index)
        kind = _copy_kind(rng) if index > 0 else None
        if kind is not None:
            source = self.spec(rng.randrange(index))
            source = self.spec(source.copy_of) if source.copy_of is not None else source
            return self._copy(index, source, kind, rng)
        return self._original(index, rng)

    def _original(self, index: int, rng: random.Random) -> ArticleSpec:
        lang = rng.choices(vocab.LANGUAGES, vocab.LANGUAGE_WEIGHTS)[0]
        outlet = rng.choice(self._by_lang[lang])
        actor = None
        if rng.random() < RELEVANT_SHARE:
            actor = rng.choices(list(ACTOR_WEIGHTS), list(ACTOR_WEIGHTS.values()))[0]
        fill = _Filler(rng, lang, actor)
        title = fill.sentence(vocab.TITLES[lang] if actor else vocab.LOCAL_TITLES[lang])
        paragraphs = tuple(self._paragraph(fill, actor) for _ in range(rng.randrange(9, 17)))
        lead = fill.sentence(vocab.ACTOR_SENTENCES[lang] if actor else vocab.FILLER_SENTENCES[lang])
        published = self.start + timedelta(seconds=rng.randrange(self.days * 86_400))
        section = rng.choice(vocab.SECTIONS[lang][:5])
        url = self._url(outlet, section, published, title, index)
        return ArticleSpec(
            index,
            outlet,
            url,
            url,
            title,
            lead,
            paragraphs,
            rng.choice(vocab.AUTHORS),
            published.replace(microsecond=0),
            section,
            actor,
        )

    def _paragraph(self, fill: _Filler, actor: str | None) -> str:
        lang = fill.lang
        sentences = []
        for _ in range(fill.rng.randrange(2, 5)):
            about_actor = actor is not None and fill.rng.random() < 0.4
            pool = vocab.ACTOR_SENTENCES[lang] if about_actor else vocab.FILLER_SENTENCES[lang]
            sentences.append(fill.sentence(pool))
        return " ".join(sentences)

    def _copy(self, index: int, src: ArticleSpec, kind: str, rng: random.Random) -> ArticleSpec:
        published = src.published + timedelta(minutes=rng.randrange(5, 600))
        if kind == "canonical":  # the AMP copy of a page; its rel=canonical names the original
            url = src.url.replace(f"{src.outlet.host}/", f"{src.outlet.host}/amp/", 1)
            url = url.replace(".html", f"-amp{index}.html")
            return replace(src, index=index, url=url, copy_of=src.index, copy_kind=kind)
        others = [o for o in self._by_lang[src.language] if o.host != src.outlet.host]
        outlet = rng.choice(others or [src.outlet])
        title, paragraphs = src.title, src.paragraphs
        if kind == "syndicated":
            fill = _Filler(rng, src.language, src.actor)
            title = f"{src.title} ({src.outlet.name})"
            changed = list(paragraphs)
            changed[rng.randrange(len(changed))] = self._paragraph(fill, src.actor)
            paragraphs = (f"({src.outlet.name}) {changed[0]}", *changed[1:])
        url = self._url(outlet, src.section, published, title, index)
        return replace(
            src,
            index=index,
            outlet=outlet,
            url=url,
            canonical=url,
            title=title,
            paragraphs=paragraphs,
            published=published,
            copy_of=src.index,
            copy_kind=kind,
        )

    @staticmethod
    def _url(outlet: Outlet, section: str, when: datetime, title: str, index: int) -> str:
        return f"http://{outlet.host}/{_slug(section)}/{when:%Y/%m/%d}/{_slug(title)}-{index}.html"

    def specs(self) -> Iterator[ArticleSpec]:
        for i in range(self.size):
            yield self.spec(i)

    def by_host(self) -> dict[str, list[int]]:
        """Article indices per outlet host, in index order."""
        out: dict[str, list[int]] = {}
        for spec in self.specs():
            out.setdefault(spec.outlet.host, []).append(spec.index)
        return out

    # ------------------------------------------------------------ pages
    def page(self, index: int) -> bytes:
        return self.render(self.spec(index))

    def render(self, spec: ArticleSpec) -> bytes:
        """The page of an article (also of a spec changed with ``dataclasses.replace``)."""
        rng = self.rng("page", spec.index)
        return render_page(self._page_spec(spec, rng), rng)

    def _page_spec(self, spec: ArticleSpec, rng: random.Random) -> PageSpec:
        lang = spec.language
        teasers = tuple(
            (self.headline(rng, lang), f"/{_slug(spec.section)}/{rng.randrange(10**6)}.html")
            for _ in range(80)
        )
        fill = _Filler(rng, lang, None)
        comments = tuple(
            fill.sentence(vocab.FILLER_SENTENCES[lang]) for _ in range(rng.randrange(4, 16))
        )
        tags = tuple(rng.sample(vocab.COUNTRIES[lang][:10], 3))
        layout = spec.outlet.layout if spec.outlet.layout in LAYOUTS else "portal"
        return PageSpec(
            spec.url,
            spec.canonical,
            spec.outlet.name,
            lang,
            spec.title,
            spec.lead,
            spec.paragraphs,
            spec.author,
            spec.published,
            spec.section,
            layout,
            teasers,
            comments,
            tags,
        )

    def headline(self, rng: random.Random, lang: str) -> str:
        actor = rng.choice([None, *ACTOR_WEIGHTS])
        fill = _Filler(rng, lang, actor)
        return fill.sentence(vocab.TITLES[lang] if actor else vocab.LOCAL_TITLES[lang])

    # ------------------------------------------------------------ feeds
    def feed(self, host: str, indices: Sequence[int], fmt: str | None = None) -> bytes:
        """A feed of the given articles (newest first), in the outlet's format."""
        items = sorted((self.spec(i) for i in indices), key=lambda s: s.published, reverse=True)
        outlet = next((o for o in OUTLETS if o.host == host), None)
        name = outlet.name if outlet else host
        lang = outlet.language if outlet else (items[0].language if items else "es")
        entries = [FeedEntry.of(s) for s in items]
        kind = fmt or (outlet.feed_format if outlet else "rss")
        return render_feed(host, name, lang, entries, kind)

    def headline_feed(self, host: str, feed_no: int, items: int, fmt: str = "rss") -> bytes:
        """A feed of ``items`` headline-only entries (feed polling at scale, no pages)."""
        rng = self.rng("feed", host, feed_no)
        lang = rng.choices(vocab.LANGUAGES, vocab.LANGUAGE_WEIGHTS)[0]
        newest = self.start + timedelta(days=self.days)
        entries = []
        for k in range(items):
            title = self.headline(rng, lang)
            fill = _Filler(rng, lang, rng.choice([None, *ACTOR_WEIGHTS]))
            lead = " ".join(fill.sentence(vocab.ACTOR_SENTENCES[lang]) for _ in range(2))
            when = newest - timedelta(minutes=37 * k + rng.randrange(30))
            url = f"http://{host}/f{feed_no}/{when:%Y/%m/%d}/{_slug(title)}-{k}.html"
            entries.append(FeedEntry(url, title, lead, rng.choice(vocab.AUTHORS), when, "Noticias"))
        return render_feed(host, host, lang, entries, fmt)

    # ------------------------------------------------------------ disk
    def write(self, out_dir: Path) -> Path:
        """Pages under ``pages/HOST/PATH``, one feed per host under ``feeds/``, a manifest."""
        manifest: dict[str, object] = {
            "seed": self.seed,
            "size": self.size,
            "feeds": [],
            "pages": [],
        }
        for host, indices in self.by_host().items():
            feed_path = out_dir / "feeds" / f"{host}.xml"
            feed_path.parent.mkdir(parents=True, exist_ok=True)
            feed_path.write_bytes(self.feed(host, indices))
            manifest["feeds"].append({"host": host, "file": str(feed_path.relative_to(out_dir))})  # type: ignore[attr-defined]
            for i in indices:
                spec = self.spec(i)
                rel = Path("pages") / host / urlsplit(spec.url).path.lstrip("/")
                (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                (out_dir / rel).write_bytes(self.page(i))
                manifest["pages"].append({"index": i, "url": spec.url, "file": str(rel)})  # type: ignore[attr-defined]
        path = out_dir / "manifest.json"
        path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        return path


def _copy_kind(rng: random.Random) -> str | None:
    roll = rng.random()
    for kind, share in COPY_SHARE.items():
        if roll < share:
            return kind
        roll -= share
    return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a deterministic benchmark corpus.")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    print(Corpus(args.articles, args.seed).write(args.out))


if __name__ == "__main__":
    main()
