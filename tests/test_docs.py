"""The user guide's examples (``>>>`` blocks in docs/*.rst) run as written."""

import doctest
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Hand-written pages only: not the pages Sphinx generates into the source tree.
GENERATED = {"generated", "auto_examples", "_build", "_templates"}
PAGES = sorted(
    p
    for p in DOCS.rglob("*.rst")
    if not GENERATED & set(p.parts) and p.name != "sg_execution_times.rst"
)


def test_docs_have_examples():
    assert any(">>> " in page.read_text() for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_examples_run(page):
    with warnings.catch_warnings():
        # As in the README test: a page shows the warning itself where it matters.
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testfile(
            str(page),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            raise_on_error=False,
            verbose=False,
        )
    assert result.failed == 0, f"{result.failed} example(s) of {page.name} failed"
