"""Parsers, one per file format: decoded text in, document fields out. Pure functions."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
import datetime
from html.parser import HTMLParser

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DATE_LINE = re.compile(r"^[ \t]*date[:\s]+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE | re.MULTILINE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Parsed:
    """What a parser finds in one record; text offsets are the ones citations use."""

    text: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    record_id: str | None = None


def iso_date(value: object) -> str | None:
    """YYYY-MM-DD from the start of a date-like value, or None."""
    match = _DATE.match(str(value).strip()) if value is not None else None
    if not match:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups())).isoformat()
    except ValueError:  # not on the calendar: 2023-02-30, 2024-13-01
        return None


def _web_url(value: object) -> str | None:
    """value when it is an http(s) URL; anything else (javascript:, data:, paths) would be unsafe as a link."""
    url = str(value).strip() if value else ""
    return url if url.lower().startswith(("http://", "https://")) else None


def clip(text: str, limit: int) -> str:
    """text cut to at most limit characters, at a word boundary when there is one, marked with …"""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def clip_words(text: str, limit: int) -> tuple[str, int]:
    """(text with every run of non-space characters longer than limit cut to limit + "…", runs cut)."""
    long_run = re.compile(r"\S{%d,}" % (limit + 1))
    text, cut = long_run.subn(lambda m: m.group()[:limit] + "…", text)
    return text, cut


def title_from_text(text: str, limit: int = 80) -> str:
    """A title for a document that has none: the start of its first non-empty line."""
    for line in text.splitlines():
        line = _DATE_LINE.sub("", " ".join(line.split())).strip()
        if line:  # a line holding only the date is skipped, not taken as the title
            return clip(line, limit)
    return "Untitled"


def _looks_like_title(line: str, rest: str) -> bool:
    return (
        0 < len(line.split()) <= 20
        and len(line) <= 160
        and not _SENTENCE_END.search(line)
        and not _DATE_LINE.match(line)
        and (line[0].isupper() or line[0].isdigit() or line[0] in "\"'“‘")
        and bool(rest.strip())
    )


def parse_txt(text: str) -> Parsed:
    """First line is the title when it looks like one; a `date YYYY-MM-DD` line gives the date."""
    first, _, rest = text.lstrip().partition("\n")
    first = first.strip()
    title = first if _looks_like_title(first, rest) else title_from_text(text)
    date = _DATE_LINE.search(text)
    return Parsed(text=text, title=title, date=iso_date(date.group(1)) if date else None)


def _front_matter(block: str) -> dict[str, str]:
    fields = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t", "#")):
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields


def parse_md(text: str) -> Parsed:
    """Markdown with optional YAML-style front matter (title, url, date)."""
    meta: dict[str, str] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        meta = _front_matter(match.group(1))
        text = text[match.end():]
    heading = _MD_HEADING.search(text)
    title = meta.get("title") or (heading.group(1).strip() if heading else title_from_text(text))
    return Parsed(text=text, title=title, url=_web_url(meta.get("url")), date=iso_date(meta.get("date")))


class _HTMLText(HTMLParser):
    """Collects <title>, body text and a few <meta> facts; never fetches or runs anything."""

    SKIP = {"script", "style", "nav", "noscript", "template", "svg", "head", "iframe", "object", "form"}
    BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
             "section", "article", "blockquote", "pre", "header", "footer", "aside", "main", "hr", "dd", "dt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.in_title = False
        self.title: list[str] = []
        self.parts: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        if tag == "title" and not self.skip_depth:  # not an <svg><title> tooltip
            self.in_title = True
        elif tag == "meta":
            key = (attrs.get("name") or attrs.get("property") or "").lower()
            self.meta.setdefault(key, attrs.get("content", ""))
        elif tag == "link" and "canonical" in attrs.get("rel", "").lower():
            self.meta.setdefault("canonical", attrs.get("href", ""))
        if tag in self.SKIP and tag != "head":
            self.skip_depth += 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in self.SKIP and tag != "head" and self.skip_depth:
            self.skip_depth -= 1
        if tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self.in_title:
            self.title.append(data)
        elif not self.skip_depth:
            self.parts.append(data)


def parse_html(text: str) -> Parsed:
    parser = _HTMLText()
    parser.feed(text)
    parser.close()
    body = "".join(parser.parts)
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", body))
    clean = "\n\n".join(p for p in paragraphs if p)
    meta = parser.meta
    url = meta.get("canonical") or meta.get("og:url") or None
    date = next((iso_date(meta[k]) for k in ("date", "article:published_time", "dc.date", "pubdate")
                 if iso_date(meta.get(k))), None)
    title = " ".join("".join(parser.title).split()) or meta.get("og:title") or title_from_text(clean)
    return Parsed(text=clean, title=title, url=_web_url(url), date=date)


def _text(value):
    """JSON's \\ud800 escapes give lone surrogates, which no file or database can hold: use U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if isinstance(value, str) else value


def parse_jsonl(text: str) -> tuple[list[Parsed], list[str]]:
    """One document a line (id, title, text, optional url, date); bad lines are reported."""
    records, problems = [], []
    # Not splitlines(): JSON strings may hold raw U+2028, U+2029 and U+0085, which it splits at.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not JSON ({exc.msg})")
            continue
        except RecursionError:
            problems.append(f"line {number}: nested too deeply")
            continue
        except ValueError:  # e.g. an integer beyond Python's digit limit
            problems.append(f"line {number}: a value is too large")
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not str(obj.get("id", "")).strip():
            problems.append(f"line {number}: needs a non-empty 'id' and a string 'text'")
            continue
        title, text = obj.get("title"), _text(obj["text"])
        records.append(Parsed(
            text=text,
            title=_text(str(title)) if title and not isinstance(title, (dict, list)) else title_from_text(text),
            url=_web_url(_text(obj.get("url"))),
            date=iso_date(obj.get("date")),
            record_id=_text(str(obj["id"]).strip()),
        ))
    return records, problems
