"""The user guide's examples (``>>>`` blocks in docs/*.rst) run as written."""

import doctest
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning
from test_hostile_inputs import CASES, CLASS_WEIGHT_CASES, OTHER_CASES
from test_input_contract import BAD_X

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


# The fits that stop at max_iter on purpose, by page: the budget their
# ConvergenceWarning names, and why. Every other fit of a page's examples is
# meant to converge, and a ConvergenceWarning fails its example: one that
# reaches max_iter on some CPU (OpenBLAS's kernels round differently, and
# L-BFGS takes other iterations) is caught here, not by a reader.
BUDGETED = {
    # The architecture comparisons train every network for 50 iterations.
    "architectures.rst": 50,
    # The grid search's networks: a fixed max_iter acts as a regulariser.
    "hyperparameters.rst": 50,
    # The callbacks' monitor and progress bar watch short fits of 20.
    "training_control.rst": 20,
    # The last-state network beside the pooled one, which it cannot match.
    "accuracy.rst": 200,
}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_examples_run(page):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        if page.name in BUDGETED:
            warnings.filterwarnings(
                "ignore",
                rf".*reached max_iter={BUDGETED[page.name]} iterations",
                ConvergenceWarning,
            )
        result = doctest.testfile(
            str(page),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            raise_on_error=False,
            verbose=False,
        )
    assert result.failed == 0, f"{result.failed} example(s) of {page.name} failed"


def listed_cases(page):
    """The case ids of a page's ``.. cases:`` comments: each row of the rules
    page names the cases that check it in a comment the reader does not see."""
    comments = re.findall(r"^( *)\.\. cases: (.*(?:\n\1   .*)*)", page, flags=re.M)
    return {case for _, body in comments for case in re.split(r"[,\s]+", body) if case}


def test_every_input_case_is_on_the_rules_page():
    """The input tests list the cases, the rules page says what each means."""
    cases = {case[0] for case in [*CASES, *CLASS_WEIGHT_CASES, *OTHER_CASES]}
    cases |= {param.id for param in BAD_X}
    listed = listed_cases((DOCS / "user_guide" / "input_rules.rst").read_text())
    assert sorted(cases - listed) == []


def test_the_tests_cite_pages_that_exist():
    """A test's docstring or comment that cites a page (docs/..., README.md)
    cites one in the repository, where a reader can find what it checks."""
    root = DOCS.parent
    generated = {"sg_execution_times.rst"}
    cited = {
        (test.name, name)
        for test in (root / "tests").glob("*.py")
        for name in re.findall(r"[\w/.-]+\.(?:md|rst)\b", test.read_text())
        if Path(name).name not in generated
    }
    missing = [
        (test, name)
        for test, name in sorted(cited)
        if not any((base / name).exists() for base in [root, DOCS, DOCS / "user_guide"])
    ]
    assert missing == []
