"""The page as a person uses it: headless Chromium against the real server on localhost.

Needs Playwright's Python package and a Chromium on PATH (Debian: `chromium`); the browser is
never downloaded. Without them every test here is SKIPPED with the reason, never passed.
Set QA_SEARCH_REQUIRE_BROWSER=1 (CI does once it has installed them) to fail instead.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from support import make_corpus

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
QUESTION = "Who created the Star City spinoff?"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
EVIL_ID = "lunar-notes"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP, PHONE = {"width": 1280, "height": 860}, {"width": 390, "height": 844}


def _unavailable(reason: str):
    if os.environ.get("QA_SEARCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser required (QA_SEARCH_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


def _chromium() -> str | None:
    configured = os.environ.get("QA_SEARCH_CHROMIUM")
    if configured:
        return configured
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[browser]')")
    executable = _chromium()
    if not executable:
        _unavailable("no Chromium found on PATH (apt-get install chromium chromium-driver, or set QA_SEARCH_CHROMIUM)")
    manager = sync_playwright().start()
    try:
        launched = manager.chromium.launch(executable_path=executable, headless=True, args=BROWSER_ARGS)
    except Error as exc:
        manager.stop()
        _unavailable(f"Chromium at {executable} did not start: {str(exc).splitlines()[0]}")
    yield launched
    launched.close()
    manager.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(bundled_corpus, tmp_path_factory):
    """`python -m search serve` on a free port, over the bundled articles plus a hostile one."""
    folder = tmp_path_factory.mktemp("site")
    corpus = make_corpus(folder / "corpus", {name.name: name.read_text("utf-8") for name in bundled_corpus.iterdir()})
    record = {"id": EVIL_ID, "title": f"Lunar base notes {XSS}", "url": "https://example.org/lunar",
              "date": "2031-02-03", "text": f"The lunar base log. {XSS} Crews rotate every ninety days. "
                                            "The base sits near the south pole of the moon."}
    make_corpus(corpus, {"extra.jsonl": json.dumps(record) + "\n"})
    port = _free_port()
    log = open(folder / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--corpus", str(corpus), "--index", str(folder / "index"),
         "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=2):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("server did not start:\n" + (folder / "server.log").read_text())
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=20)
    log.close()
    assert "Traceback" not in (folder / "server.log").read_text()


def api(base: str, **params) -> dict:
    with urllib.request.urlopen(f"{base}/api/search?{urllib.parse.urlencode(params, doseq=True)}") as r:
        return json.load(r)


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport=DESKTOP, base_url=site)
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    yield tab
    context.close()


def ask(page, question: str) -> None:
    """Type a question into the box and press Enter, as a person would."""
    page.goto("/")
    box = page.get_by_role("searchbox", name="Question")
    box.fill("")
    box.press_sequentially(question, delay=0)
    box.press("Enter")
    page.wait_for_url("**/search?**")


def cited_sources(page) -> list[str]:
    return [href.split("/doc/")[1].split("?")[0] for href in
            page.locator(".hit .num").evaluate_all("els => els.map(e => e.getAttribute('href'))")]


def test_type_a_question_and_see_the_answer_first(page, site):
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"  # the box is focused on arrival
    ask(page, QUESTION)
    best = page.locator(".best")
    assert best.is_visible()
    top = api(site, q=QUESTION)["results"][0]
    assert best.locator(".best-text").inner_text().startswith(top["answer"]["text"][:60])
    assert best.get_by_role("link", name=re.compile("Citation 1")).is_visible()
    hits = page.locator(".hit")
    assert hits.count() == 10
    assert hits.first.locator(".num").inner_text() == "[1]"
    assert hits.first.locator("cite").inner_text() == top["citation"]["title"]
    assert hits.first.locator(".passage mark").count() > 0
    assert hits.first.locator(".passage .in-answer").count() > 0
    # The answer comes before the passages in reading order.
    assert page.evaluate("document.querySelector('.best').compareDocumentPosition("
                         "document.querySelector('.results')) & Node.DOCUMENT_POSITION_FOLLOWING")


def test_citation_opens_the_source_with_the_passage_highlighted_in_view(browser, site):
    context = browser.new_context(viewport=PHONE, base_url=site)  # small screen: the passage needs scrolling
    page = context.new_page()
    page.goto(f"/search?{urllib.parse.urlencode({'q': 'Sony Pictures Television produces'})}")
    deepest = max(range(page.locator(".hit").count()),
                  key=lambda i: int(page.locator(".hit .num").nth(i).get_attribute("href").split("passage=")[1]
                                    .split("-")[0]))
    hit = api(site, q="Sony Pictures Television produces")["results"][deepest]
    page.locator(".hit .num").nth(deepest).click()
    page.wait_for_url("**/doc/**")
    c = hit["citation"]
    assert urllib.parse.urlsplit(page.url).path == f"/doc/{c['doc_id']}"
    assert urllib.parse.urlsplit(page.url).fragment == f"passage-{c['start']}-{c['end']}"
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('cited')")
    cited = page.locator(f"#passage-{c['start']}-{c['end']}")
    assert cited.inner_text() == hit["text"]
    assert cited.locator(".in-answer").inner_text() == hit["answer"]["text"]
    assert page.locator("h1").inner_text() == c["title"]
    top = cited.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < PHONE["height"], "the cited passage is scrolled into view"
    if c["start"] > 1500:
        assert page.evaluate("window.scrollY") > 0
    assert cited.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.get_by_role("link", name=re.compile("Back to the results")).click()
    assert page.locator(".hit").count() > 0
    context.close()


def test_unknown_document_is_a_404_page(page):
    response = page.goto("/doc/no-such-document")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert "no-such-document" in page.locator(".error").inner_text()


def test_page_through_results(page, site):
    page.goto("/search?q=For+All+Mankind&k=5")
    seen = []
    for number in (1, 2, 3):
        assert page.locator(".pager .current").inner_text() == f"Page {number}"
        ranks = [int(t.strip("[]")) for t in page.locator(".hit .num").all_inner_texts()]
        assert ranks == list(range(5 * number - 4, 5 * number + 1))
        seen += cited_sources(page)
        page.get_by_role("link", name="Next →").click()
        page.wait_for_url(f"**page={number + 1}**")
    assert page.locator(".best").count() == 0  # the answer is shown once, on page 1
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url("**page=3**")
    pages = [api(site, q="For All Mankind", k=5, page=n)["results"] for n in (1, 2, 3)]
    assert seen == [h["citation"]["doc_id"] for p in pages for h in p]
    starts = [(h["citation"]["doc_id"], h["citation"]["start"]) for p in pages for h in p]
    assert len(set(starts)) == len(starts), "no passage is shown on two pages"


def test_filter_by_source_and_by_date(page, site):
    ask(page, "space race moon")
    page.get_by_text("Filter by source and date").click()
    page.get_by_label("Source", exact=True).select_option("001_8efef3c453931584")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**doc=001_8efef3c453931584**")
    assert set(cited_sources(page)) == {"001_8efef3c453931584"}
    assert "Showing only" in page.locator(".active-filters").inner_text()
    page.get_by_role("link", name="Show all").click()
    page.wait_for_load_state()
    assert len(set(cited_sources(page))) > 1

    page.get_by_text("Filter by source and date").click()
    page.get_by_label("From date").fill("2024-01-01")
    page.get_by_label("To date").fill("2025-12-31")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**date_from=2024-01-01**")
    assert set(cited_sources(page)) == {"002_1cb2b5dc35a71b71"}  # the one article dated in 2024
    assert all(t == "2024-04-17" for t in page.locator(".hit time").all_inner_texts())


def test_misspelled_question_gets_a_suggestion(page):
    ask(page, "Who creatd the Star Cty spinof?")
    suggestion = page.locator(".suggest a")
    assert suggestion.inner_text() == "Who created the Star City spinoff?"
    suggestion.click()
    page.wait_for_load_state()
    assert page.get_by_role("searchbox", name="Question").input_value() == "Who created the Star City spinoff?"
    assert page.locator(".suggest").count() == 0
    assert page.locator(".best").is_visible()


def test_no_good_answer_is_said_honestly(page):
    ask(page, "capital of France moon")
    assert page.get_by_role("heading", name="No good answer found").is_visible()
    assert "share only some of its words" in page.locator(".no-answer").inner_text()
    assert page.locator(".best").count() == 0
    ask(page, "zebra xylophone")
    assert page.get_by_role("heading", name="No good answer found").is_visible()
    assert page.locator(".no-answer .tips li").count() >= 2
    assert page.locator(".hit").count() == 0


def test_xss_in_query_and_document_stays_text(page):
    ask(page, f"{XSS} lunar base")
    assert page.get_by_role("searchbox", name="Question").input_value() == f"{XSS} lunar base"
    assert XSS in page.locator("h1").inner_text()  # the query is shown as typed, as text
    hit = page.locator(".hit").filter(has_text="Lunar base notes").first
    assert XSS in hit.locator("cite").inner_text()
    assert XSS in hit.locator(".passage").inner_text()
    hit.get_by_role("link", name="Read in source").click()
    page.wait_for_url("**/doc/lunar-notes**")
    assert page.locator("h1").inner_text() == f"Lunar base notes {XSS}"
    assert XSS in page.locator(".doc-text").inner_text()
    assert page.locator("main img, main script").count() == 0
    assert page.evaluate("window.__xss") is None and page.dialogs == []


def test_works_without_javascript(browser, site):
    context = browser.new_context(viewport=DESKTOP, base_url=site, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("searchbox", name="Question").fill(QUESTION)
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search?**")
    assert page.locator(".best").is_visible() and page.locator(".hit").count() == 10
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**page=2**")
    page.locator(".hit .num").first.click()
    page.wait_for_url("**/doc/**#passage-**")
    assert page.locator(".cited").is_visible()
    context.close()


def test_keyboard_only(page):
    page.goto(f"/search?{urllib.parse.urlencode({'q': QUESTION})}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Control+A")
    page.keyboard.type("Which company produces the series for Apple?")
    page.keyboard.press("Enter")
    page.wait_for_url("**Apple**")
    for _ in range(40):  # Tab reaches the first citation link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.best .ref')"):
            break
    else:
        pytest.fail("Tab never reached the answer's citation")
    page.keyboard.press("Enter")
    page.wait_for_url("**/doc/**")


CONTRAST = """() => {
  const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor;
      if (c !== "rgba(0, 0, 0, 0)") return c; } return "rgb(255, 255, 255)"; };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.offsetParent || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const [a, b] = [lum(getComputedStyle(el).color), lum(bg(el))];
    out.push([el.tagName + "." + el.className, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
  }
  return out;
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_landmarks_labels_and_contrast(browser, site, scheme):
    context = browser.new_context(viewport=DESKTOP, base_url=site, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"/search?{urllib.parse.urlencode({'q': 'capital of France moon'})}")
    page.get_by_text("Filter by source and date").click()
    for role in ("banner", "main", "contentinfo", "search"):
        assert page.get_by_role(role).count() == 1, role
    for label in ("Question", "Source", "From date", "To date"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    low = [(name, round(ratio, 2)) for name, ratio in page.evaluate(CONTRAST) if ratio < 4.5]
    assert not low, f"text below WCAG AA contrast in {scheme} mode: {low}"
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(browser, site, size, scheme):
    """Saved under tests/artifacts/screenshots/ for people to look at; the page never scrolls sideways."""
    viewport = DESKTOP if size == "desktop" else PHONE
    context = browser.new_context(viewport=viewport, base_url=site, color_scheme=scheme,
                                  device_scale_factor=1 if size == "desktop" else 2)
    page = context.new_page()
    page.goto(f"/search?{urllib.parse.urlencode({'q': QUESTION, 'k': 3})}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"results-{size}-{scheme}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    context.close()
