"""Item 3 (parsers): small DOCX and PDF files that expand into minutes of parsing are refused fast.

Before the limits, a 2.6 KB DOCX of 200,000 empty paragraphs took 27 s and an 18 KB one over 400 s;
a 68 KB PDF whose pages share one 70 MB content stream took 43 s.
"""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from ingest.loaders import RawInput, load
from rag.assistant import Assistant
from rag.errors import InputError
from tests.ingest import fixtures

FAST_S = 2.0


def docx_with(path: Path, body_xml: bytes = b"", extra: tuple[str, int] | None = None) -> Path:
    """A real DOCX (python-docx) with ``body_xml`` appended to its body and, if given, an extra
    member ``(name, megabytes of zeros)``; rewritten with zipfile."""
    fixtures.write_docx(path, "Harbour memo", ["The cranes restarted on Monday after repairs."])
    original = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as rewritten:
        for member in original.infolist():
            data = original.read(member)
            if member.filename == "word/document.xml":
                data = data.replace(b"<w:sectPr", body_xml + b"<w:sectPr", 1)
            rewritten.writestr(member.filename, data)
        if extra is not None:
            name, megabytes = extra
            with rewritten.open(name, "w", force_zip64=True) as member_file:
                for _ in range(megabytes):
                    member_file.write(bytes(1_000_000))
    path.write_bytes(buffer.getvalue())
    return path


def timed_load(path: Path) -> tuple[float, str]:
    started = time.monotonic()
    try:
        articles = list(load(RawInput(str(path), path.read_bytes())))
        outcome = f"loaded {len(articles)}"
    except InputError as exc:
        outcome = str(exc)
    return time.monotonic() - started, outcome


@pytest.mark.parametrize(
    ("paragraphs", "limit"),
    [(200_000, "over the 30,000 read"), (1_400_000, "over 1,000,000 XML tags")],
)
def test_a_docx_of_empty_paragraphs_is_refused_fast(tmp_path: Path, paragraphs: int, limit: str) -> None:
    path = docx_with(tmp_path / "empty.docx", b"<w:p/>" * paragraphs)
    assert path.stat().st_size < 60_000
    took, outcome = timed_load(path)
    assert str(path) in outcome and limit in outcome, outcome
    assert took < FAST_S, f"{took:.1f} s"


def test_a_docx_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    path = docx_with(tmp_path / "bomb.docx", extra=("word/media/image1.png", 300))
    assert path.stat().st_size < 1_000_000
    took, outcome = timed_load(path)
    assert str(path) in outcome and "over the 256 MB read; is it a zip bomb?" in outcome, outcome
    assert took < FAST_S, f"{took:.1f} s"


def test_refusals_reach_the_summary_and_a_normal_docx_still_ingests(
    assistant: Assistant, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    bomb = docx_with(tmp_path / "in" / "empty.docx", b"<w:p/>" * 200_000)
    fine = tmp_path / "in" / "memo.docx"
    fixtures.write_docx(fine, "Border memo", [f"Paragraph {i} on the border crossing." for i in range(300)])
    started = time.monotonic()
    summary = assistant.ingest([bomb, fine])
    assert time.monotonic() - started < 15  # the good file is embedded; the bomb alone took 27 s
    assert summary.added == 1
    [failure] = summary.failed
    assert failure.path == str(bomb) and "paragraphs" in failure.reason
    [article] = assistant.articles()
    assert article.title == "Border memo" and "Paragraph 299 on the border crossing." in article.text


def pdf(pages: int, content: bytes, compress: bool = False) -> bytes:
    """A PDF whose ``pages`` page entries all point at one page drawing ``content``."""
    stream = zlib.compress(content, 9) if compress else content
    filters = b" /Filter /FlateDecode" if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join([b"3 0 R"] * pages) + b"] /Count %d >>" % pages,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(stream), filters, stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


TEXT = b"BT /F1 12 Tf 72 712 Td (Harbour cranes restarted) Tj ET\n"


@pytest.mark.parametrize(
    ("pages", "padding_mb", "limit"),
    [
        (20_000, 0, "20,000 pages, over the 5,000 read"),  # 120 KB: 5 s
        (10, 70, "size limit"),  # one stream inflating to 70 MB (pypdf's own cap: 75 MB): 43 s
        (10, 15, "over 32 MB of drawing"),  # 15 MB shared by 10 pages
    ],
)
def test_a_pdf_bomb_is_refused_fast(tmp_path: Path, pages: int, padding_mb: int, limit: str) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(pdf(pages, TEXT + b" " * padding_mb * 1_000_000, compress=padding_mb > 0))
    took, outcome = timed_load(path)
    assert str(path) in outcome and limit in outcome, outcome
    assert took < FAST_S, f"{took:.1f} s"


def test_a_pdf_of_many_ordinary_pages_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf(500, TEXT))
    took, outcome = timed_load(path)
    assert outcome == "loaded 1" and took < FAST_S
