"""Finding a secret's forms in a text however it was escaped, and in any case.

A JSON encoder writes `/` as `\\/` or `\\u002f`, a URL builder percent-encodes it (`%2F`,
`+` for a space), an HTML template writes `&#47;`, `&#x2f;` or `&sol;`, a debug page upper-
or lower-cases it, and an encoder may escape every character or only a few (`quote()`
leaves letters alone). Rather than list every spelling of every form (a regex of them
took 30-120 ms to compile and ~0.2-1 MiB a secret, kept by `re`'s own cache), the text
is decoded once into a view where each escape is the character it spells, with the
offset in the text where each character's spelling starts; forms are then plain
substring searches in the lower-cased view, and a match maps back to the exact span of
the text to replace. The text itself is a view too, for forms that hold what looks like
an escape (a base64 `+`).

Cost (`python -m bench.scrub`, a shared 2-core machine under load 3): a 512-character
excerpt with one secret header takes ~10 µs without escape characters and ~90 µs full of
JSON escapes, with four secret headers ~40 and ~140 µs; a short header value ~10-40 µs;
preparing a set of secrets ~0.1 ms, once per process and set. A target's ~16 probes
cost ~2 ms at worst, against the tens of milliseconds their requests take.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from .secret_forms import MIN_ENCODED_LENGTH, MIN_SECRET_LENGTH

_ESCAPE = re.compile(
    r"&\#(?:x(?P<hex>[0-9a-f]{1,6})|(?P<dec>[0-9]{1,7}));?"
    r"|&(?P<name>[a-z][a-z0-9]{1,31};?)"
    r"|\\u(?P<json>[0-9a-f]{4})"
    r"|\\(?P<short>[/\"\\tnr])"
    r"|(?P<percent>(?:%[0-9a-f]{2})+)",
    re.IGNORECASE,
)
_JSON_SHORT = {"/": "/", '"': '"', "\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


@cache
def _entities() -> dict[str, str]:
    """Named references that spell one character, by name (HTML names are case-sensitive,
    but a page that upper-cases a secret upper-cases its references too)."""
    names: dict[str, str] = {}
    for name, text in html.entities.html5.items():
        if len(text) == 1:
            names.setdefault(name, text)
            names.setdefault(name.lower(), text)
    return names


def _spelled(match: re.Match[str]) -> Iterator[tuple[str, int]]:
    """The characters an escape spells, each with the offset its spelling starts at;
    nothing if it spells none (an unknown name, a code point past Unicode)."""
    start = match.start()
    if (number := match["hex"] or match["dec"]) is not None:
        code = int(number, 16 if match["hex"] else 10)
        if code <= 0x10FFFF:
            yield chr(code), start
    elif (name := match["name"]) is not None:
        if (char := _entities().get(name) or _entities().get(name.lower())) is not None:
            yield char, start
    elif match["json"] is not None:
        yield chr(int(match["json"], 16)), start
    elif match["short"] is not None:
        yield _JSON_SHORT[match["short"].lower()], start
    else:
        # A byte that is not UTF-8 stays one character of its own (a lone surrogate that
        # matches no form), so the characters around it still decode.
        text = bytes.fromhex(match["percent"].replace("%", "")).decode(errors="surrogateescape")
        for char in text:
            yield char, start
            start += 3 if "\udc80" <= char <= "\udcff" else 3 * len(char.encode())


@dataclass(frozen=True)
class _View:
    """The text as a reader of the escapes sees it: `chars[i]` (lower-cased) is spelled
    from `starts[i]` to `starts[i + 1]` of the text."""

    chars: str
    starts: Sequence[int]


def _fold(text: str) -> str:
    """Lower case, one character for one (a few, like "İ", lower to two)."""
    folded = text.lower()
    if len(folded) == len(text):
        return folded
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _views(text: str, *, spaces: bool) -> Iterator[_View]:
    """The text itself, then decoded; decoded again with `+` as a space (form encoding)
    when a form has a space to find. The decoded views exist only if something decodes."""
    yield _View(_fold(text), range(len(text) + 1))
    decodings = [False, True] if spaces and "+" in text else [False]
    # Every escape starts with one of these: most texts hold none and skip the scan.
    escapes = list(_ESCAPE.finditer(text)) if any(c in text for c in "&\\%") else []
    if not escapes and decodings == [False]:
        return
    for plus_is_space in decodings:
        chars: list[str] = []
        starts: list[int] = []
        done = 0
        for match in [*escapes, None]:
            end = match.start() if match else len(text)
            literal = text[done:end]
            if plus_is_space:
                literal = literal.replace("+", " ")
            chars.append(literal)
            starts.extend(range(done, end))
            if match is None:
                break
            spelled = list(_spelled(match))
            if not spelled:  # not an escape after all: its characters stand for themselves
                chars.append(match[0])
                starts.extend(range(match.start(), match.end()))
            for char, start in spelled:
                chars.append(char)
                starts.append(start)
            done = match.end()
        starts.append(len(text))
        yield _View(_fold("".join(chars)), starts)


@dataclass(frozen=True)
class _Form:
    text: str  # lower-cased when matched in any case
    any_case: bool
    shortest_cut: int  # the fewest characters of a cut-off start worth scrubbing


@dataclass(frozen=True)
class Echoes:
    """Every form of every secret, in any spelling, anywhere in a text; and a cut-off
    start of one at its end (an excerpt capped inside a secret)."""

    forms: tuple[_Form, ...]
    spaces: bool  # a form has a space, which form encoding spells "+"

    def spans(self, text: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for number, view in enumerate(_views(text, spaces=self.spaces)):
            for form in self.forms:
                if form.any_case:
                    found += _occurrences(view, form)
                elif number == 0:  # exact: case-sensitive, in the text as it is
                    found += _occurrences(_View(text, view.starts), form)
        return _merged(found)

    def replace(self, text: str, placeholder: str) -> str:
        parts, done = [], 0
        for start, end in self.spans(text):
            parts += [text[done:start], placeholder]
            done = end
        return "".join([*parts, text[done:]])


def _occurrences(view: _View, form: _Form) -> Iterator[tuple[int, int]]:
    chars, size, starts = view.chars, len(form.text), view.starts
    at = chars.find(form.text)
    while at >= 0:
        yield starts[at], starts[at + size]
        at = chars.find(form.text, at + 1)
    # Cut off at the end: the view ends with the form's first characters.
    if form.shortest_cut < size:
        head = form.text[: form.shortest_cut]
        at = chars.find(head, max(0, len(chars) - size + 1))
        while at >= 0:
            if form.text.startswith(chars[at:]):
                yield starts[at], starts[-1]
                break
            at = chars.find(head, at + 1)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _shortest_cut(form: str) -> int:
    """A cut-off start is at least MIN_SECRET_LENGTH characters and, for "Scheme
    credential", reaches past the scheme (an excerpt ending in "Bearer" shows nothing)."""
    space = form.find(" ")
    return max(MIN_SECRET_LENGTH, space + 2 if space >= 0 else 0)


@lru_cache(maxsize=256)
def echoes_of(forms: tuple[str, ...]) -> Echoes:
    """Prepared once per set of forms (the engine asks for every observation of a
    target, pages for every string of a document)."""
    prepared = tuple(
        _Form(
            text=_fold(form) if len(form) >= MIN_ENCODED_LENGTH else form,
            any_case=len(form) >= MIN_ENCODED_LENGTH,
            shortest_cut=_shortest_cut(form),
        )
        for form in dict.fromkeys(forms)
        if form
    )
    return Echoes(prepared, spaces=any(" " in form for form in forms))
