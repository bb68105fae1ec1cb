"""The built documentation works offline: no page loads anything from the network.

These tests read the HTML build, ``docs/_build/html``, and are skipped when it
does not exist; ``.ci/run`` runs them again right after it builds the docs.
They catch a stylesheet, script, font or image taken from a CDN (MathJax,
jQuery, DataTables and the like), a local one that the build did not copy, and
a page with equations but no bundled MathJax.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

HTML = Path(__file__).resolve().parents[1] / "docs" / "_build" / "html"
# The pages, not the theme's templates that Sphinx copies into _static.
PAGES = sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts)
pytestmark = pytest.mark.skipif(not PAGES, reason="no docs build in docs/_build/html")

# <link rel=...> values that make the browser fetch the target.
FETCHING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
}
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


class _Resources(HTMLParser):
    """Collects the URLs a page makes the browser fetch as it loads."""

    def __init__(self):
        super().__init__()
        self.urls = []
        self.classes = set()
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.classes.update((attrs.get("class") or "").split())
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            if FETCHING_RELS & set((attrs.get("rel") or "").lower().split()):
                self.urls.append(attrs["href"])
        elif tag in {"img", "iframe", "source", "video", "audio", "embed", "track"}:
            if attrs.get("src"):
                self.urls.append(attrs["src"])
            for candidate in (attrs.get("srcset") or "").split(","):
                if candidate.strip():
                    self.urls.append(candidate.split()[0])
        elif tag == "object" and attrs.get("data"):
            self.urls.append(attrs["data"])
        self.urls += CSS_URL.findall(attrs.get("style") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += CSS_URL.findall(data)


def _resources(page):
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _is_remote(url):
    return url.startswith("//") or urlsplit(url).scheme in {"http", "https", "ftp"}


def _local_path(page, url):
    """The file a relative URL of ``page`` names, or None for data: and the like."""
    parts = urlsplit(url)
    if parts.scheme or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


def test_there_are_pages():
    assert (HTML / "index.html") in PAGES


def test_no_page_loads_from_the_network():
    remote = [
        (str(page.relative_to(HTML)), url)
        for page in PAGES
        for url in _resources(page).urls
        if _is_remote(url)
    ]
    assert remote == []


def test_no_stylesheet_loads_from_the_network():
    remote = [
        (str(sheet.relative_to(HTML)), url)
        for sheet in sorted((HTML / "_static").rglob("*.css"))
        for url in CSS_URL.findall(sheet.read_text(encoding="utf-8", errors="replace"))
        if _is_remote(url)
    ]
    assert remote == []


def test_every_local_resource_was_copied():
    missing = sorted(
        {
            (str(page.relative_to(HTML)), url)
            for page in PAGES
            for url in _resources(page).urls
            if (path := _local_path(page, url)) is not None and not path.exists()
        }
    )
    assert missing == []


def test_pages_with_equations_load_the_bundled_mathjax():
    mathjax = HTML / "_static" / "mathjax"
    assert (mathjax / "tex-chtml.js").is_file()
    assert list((mathjax / "output" / "chtml" / "fonts").rglob("*.woff"))
    with_math = [page for page in PAGES if "math" in _resources(page).classes]
    assert with_math
    without = [
        str(page.relative_to(HTML))
        for page in with_math
        if not any(
            (path := _local_path(page, url)) is not None
            and path.is_relative_to(mathjax)
            for url in _resources(page).urls
        )
    ]
    assert without == []


class _ScriptOutput(HTMLParser):
    """The text of a gallery page's output blocks (``sphx-glr-script-out``)."""

    def __init__(self):
        super().__init__()
        self.text = []
        self._depth = 0  # <div> nesting inside an output block; 0 outside

    def handle_starttag(self, tag, attrs):
        if tag != "div":
            return
        if self._depth:
            self._depth += 1
        elif "sphx-glr-script-out" in (dict(attrs).get("class") or "").split():
            self._depth = 1

    def handle_endtag(self, tag):
        if tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.text.append(data)


# A warning as Python prints it, or the repr of an object a cell left behind.
STRAY_OUTPUT = re.compile(
    r"\w+Warning: |<[\w.]+ object at 0x|^(?:Text|Line2D|Legend)\(", re.MULTILINE
)


def test_gallery_output_has_no_warnings_or_reprs():
    examples = [page for page in PAGES if page.parent.name == "auto_examples"]
    assert examples
    stray = []
    for page in examples:
        parser = _ScriptOutput()
        parser.feed(page.read_text(encoding="utf-8"))
        stray += [
            (page.name, line.strip())
            for line in "".join(parser.text).splitlines()
            if STRAY_OUTPUT.search(line.strip())
        ]
    assert stray == []
