"""Parsers, one per format: decoded text in, title, url, date and text out."""
import json

import pytest

from search.loaders import iso_date, parse_html, parse_jsonl, parse_md, parse_txt, title_from_text


# --- .txt -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, title", [
    ("My Title\n\nBody text here. More.", "My Title"),
    ("“Quoted” Title\nBody.", "“Quoted” Title"),
    ("2024 in Review\nBody.", "2024 in Review"),
    ("   Padded Title   \nBody.", "Padded Title"),
])
def test_txt_first_line_that_looks_like_a_title(text, title):
    parsed = parse_txt(text)
    assert parsed.title == title
    assert parsed.text == text  # the title line stays in the text: offsets are into the file


@pytest.mark.parametrize("text, title", [
    ("This is a sentence.\nAnother line here.", "This is a sentence."),  # ends like a sentence
    ("lowercase start\nbody", "lowercase start"),  # heuristic refuses, fallback is the same line
    ("Only One Line", "Only One Line"),  # nothing after it
    ("date 2024-04-17 Body starts here. And goes on.", "Body starts here. And goes on."),
])
def test_txt_first_line_that_does_not_look_like_a_title_falls_back(text, title):
    assert parse_txt(text).title == title


def test_txt_long_first_line_is_cut_at_a_word():
    first = "word " * 60
    title = parse_txt(first + "\nBody.").title
    assert title.endswith("…") and len(title) <= 80
    assert first.startswith(title[:-1])


def test_txt_date_line():
    parsed = parse_txt("Title Here\ndate: 2024-04-17\nBody.")
    assert (parsed.title, parsed.date) == ("Title Here", "2024-04-17")
    assert parse_txt("Title\n  Date 2023-01-31 \nBody").date == "2023-01-31"
    assert parse_txt("Title\nupdated 2023-01-31\nBody").date is None  # not a date line
    assert parse_txt("Title\ndate 2023-02-30\nBody").date is None  # not a real day


def test_txt_bundled_style_date_prefix():
    text = " date 2024-04-17 For All Mankind is not only coming back. More text."
    parsed = parse_txt(text)
    assert parsed.date == "2024-04-17"
    assert parsed.title.startswith("For All Mankind")


def test_txt_date_line_first_is_not_the_title():
    assert parse_txt("date 2024-01-01\nReal Title\n\nBody text.").title == "Real Title"
    assert parse_txt("Date: 2024-01-01\n\nThe body starts here.").title == "The body starts here."
    assert title_from_text("date 2024-01-01") == "Untitled"


def test_blank_text_gets_untitled():
    assert title_from_text("\n \n") == "Untitled"
    assert parse_txt("").title == "Untitled"


# --- .md ------------------------------------------------------------------------------------

def test_md_front_matter():
    text = ('---\ntitle: "FM Title"\nurl: https://example.org/a\ndate: 2023-01-02T10:00\n'
            "tags: [x]\n---\n# Heading\n\nBody.")
    parsed = parse_md(text)
    assert (parsed.title, parsed.url, parsed.date) == ("FM Title", "https://example.org/a", "2023-01-02")
    assert parsed.text == "# Heading\n\nBody."  # front matter is not document text


def test_md_without_front_matter_uses_first_heading():
    parsed = parse_md("Intro line\n\n## Second Heading ##\n\nBody.")
    assert (parsed.title, parsed.url, parsed.date) == ("Second Heading", None, None)
    assert parsed.text == "Intro line\n\n## Second Heading ##\n\nBody."


def test_md_without_heading_uses_first_line():
    assert parse_md("no heading here at all.\nBody.").title == "no heading here at all."


def test_md_front_matter_without_title_falls_back_to_heading():
    assert parse_md("---\ndate: 2020-05-06\n---\n# The Heading\nBody").title == "The Heading"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "/relative/path", "ftp://x.org"])
def test_md_url_must_be_http(url):
    assert parse_md(f"---\ntitle: T\nurl: {url}\n---\nBody").url is None


# --- .html ----------------------------------------------------------------------------------

PAGE = """<!doctype html><html><head>
<title>  The   Title </title>
<meta name="date" content="2022-03-04">
<link rel="canonical" href="https://example.com/a">
<style>p { color: red }</style>
<script>var x = "<p>script text</p>";</script>
</head><body>
<nav>Home | About</nav>
<h1>Head &amp; Line</h1>
<p>First para &lt;ok&gt;.</p><p>Second
   para.</p>
<script>alert("in body")</script><noscript>no js</noscript>
<svg><title>Icon tooltip</title><path d="M0"/></svg>
</body></html>"""


def test_html_title_text_and_meta():
    parsed = parse_html(PAGE)
    assert parsed.title == "The Title"
    assert parsed.text == "Head & Line\n\nFirst para <ok>.\n\nSecond para."
    assert parsed.date == "2022-03-04"
    assert parsed.url == "https://example.com/a"


@pytest.mark.parametrize("hidden", ["script text", "in body", "Home", "About", "color", "no js", "Icon tooltip"])
def test_html_script_style_nav_are_removed(hidden):
    parsed = parse_html(PAGE)
    assert hidden not in parsed.text
    assert hidden not in parsed.title


def test_html_fallbacks_og_title_and_published_time():
    page = ('<meta property="og:title" content="OG Title"><meta property="og:url" content="https://e.org/x">'
            '<meta property="article:published_time" content="2021-07-08T09:00:00Z"><p>Body text.</p>')
    parsed = parse_html(page)
    assert (parsed.title, parsed.url, parsed.date) == ("OG Title", "https://e.org/x", "2021-07-08")


def test_html_without_title_uses_text():
    assert parse_html("<p>First words here.</p><p>More.</p>").title == "First words here."


def test_html_non_http_canonical_is_dropped():
    assert parse_html('<link rel="canonical" href="javascript:alert(1)"><p>x</p>').url is None


def test_html_blocks_become_paragraphs():
    assert parse_html("<ul><li>one</li><li>two</li></ul><div>three<br>four</div>").text == "one\n\ntwo\n\nthree\n\nfour"


# --- .jsonl ---------------------------------------------------------------------------------

def test_jsonl_good_and_bad_lines():
    lines = [
        json.dumps({"id": "a", "text": "Hello there.", "title": "Hi", "url": "https://u.org/a", "date": "2020-02-02"}),
        "not json",
        "",
        "[1, 2]",
        json.dumps({"id": "", "text": "x"}),
        json.dumps({"id": " b ", "text": "No title here.\nSecond line."}),
        json.dumps({"id": "c", "text": 3}),
        json.dumps({"text": "no id"}),
        json.dumps({"id": 7, "text": "numeric id", "url": "javascript:x", "date": "soon"}),
    ]
    records, problems = parse_jsonl("\n".join(lines))
    assert [(r.record_id, r.title, r.url, r.date) for r in records] == [
        ("a", "Hi", "https://u.org/a", "2020-02-02"),
        ("b", "No title here.", None, None),
        ("7", "numeric id", None, None),
    ]
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 4", "line 5", "line 7", "line 8"]
    assert "not JSON" in problems[0]


def test_jsonl_keeps_records_with_raw_line_separators():
    text = "x\u2028y \x85 z \u2029 end"
    records, problems = parse_jsonl(json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n")
    assert problems == []
    assert [r.text for r in records] == [text]


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2024-04-17", "2024-04-17"),
    (" 2024-02-29T10:00:00Z", "2024-02-29"),
    ("2023-02-29", None),
    ("2024-04-31", None),
    ("2024-13-01", None),
    ("0000-01-01", None),
    ("17/04/2024", None),
    ("", None),
    (None, None),
    (20240417, None),
])
def test_iso_date(value, expected):
    assert iso_date(value) == expected
