"""Every relative link in README.md and docs/*.md reaches a file, and every #anchor a heading there
(GitHub's anchor slugs)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
INLINE_CODE = re.compile(r"`+[^`]*`+")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)


def prose(text: str) -> str:
    """The document without code blocks (a '# comment' in one is not a heading, a [x](y) in one not a link)."""
    return FENCE.sub(lambda fence: re.sub(r"[^\n]", " ", fence.group()), text)  # lines keep their numbers


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    text = re.sub(r"(\*\*|__|\*|(?<!\w)_(?!\w))", "", text)
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(document: Path) -> Set[str]:
    found: Set[str] = set()
    seen: Dict[str, int] = {}
    text = prose(document.read_text(encoding="utf-8"))
    for _, heading in HEADING.findall(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found | set(HTML_ANCHOR.findall(text))


def links(document: Path) -> Iterator[Tuple[int, str]]:
    text = prose(document.read_text(encoding="utf-8"))
    for match in LINK.finditer(INLINE_CODE.sub(lambda m: " " * len(m.group()), text)):
        yield text.count("\n", 0, match.start()) + 1, match.group(1)


def relative_links() -> List[Tuple[str, int, str]]:
    return [
        (document.relative_to(ROOT).as_posix(), line, target)
        for document in DOCUMENTS
        for line, target in links(document)
        if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.I)  # http:, https:, mailto: are not checked here
    ]


def test_slugs_follow_github() -> None:
    assert slug("Timeouts, retries and logging") == "timeouts-retries-and-logging"
    assert slug("**get_credential**") == "get_credential"
    assert slug("`X-Auth-Token`") == "x-auth-token"
    assert slug("In your tests: the `sparkfly_sandbox` fixture") == "in-your-tests-the-sparkfly_sandbox-fixture"
    assert slug("Customer credentials (upsert)") == "customer-credentials-upsert"


def test_the_documents_have_relative_links() -> None:
    assert len(relative_links()) > 50


@pytest.mark.parametrize(("source", "line", "target"), relative_links(), ids=lambda v: str(v))
def test_relative_link_reaches_its_file_and_anchor(source: str, line: int, target: str) -> None:
    path, _, anchor = target.partition("#")
    document = (ROOT / source).parent / unquote(path) if path else ROOT / source
    assert document.exists(), f"{source}:{line}: {target} names no file"
    if anchor:
        assert document.suffix == ".md", f"{source}:{line}: {target}: an anchor into a file that is not markdown"
        assert unquote(anchor) in anchors(document), f"{source}:{line}: {target}: no such heading in {path or source}"
