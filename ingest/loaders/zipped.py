"""Limits for zip-based documents (DOCX), checked before a parser expands them.

A few kilobytes of zip can hold gigabytes of XML (a zip bomb) or hundreds of thousands of empty
paragraphs, each of which costs python-docx time: a 2.6 KB DOCX took 27 s. So the members' declared
sizes are summed first (zipfile never inflates a member past its declared size), then the XML members
are inflated and their tags counted (every element needs a ``<``), all before any XML is parsed.
"""

from __future__ import annotations

import io
import zipfile

from rag.errors import InputError

MAX_MEMBERS = 5_000
MAX_UNZIPPED_BYTES = 256_000_000  # all members, images included
MAX_XML_BYTES = 64_000_000  # all XML members, inflated
MAX_XML_TAGS = 1_000_000  # "<" in all XML members: bounds the elements the parser builds


def check_zip(data: bytes, origin: str, kind: str) -> None:
    """Raise InputError naming ``origin`` and the limit when the zip would expand past a limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputError(f"{origin}: the {kind} holds {len(members):,} files, over {MAX_MEMBERS:,}")
            unzipped = sum(m.file_size for m in members)
            if unzipped > MAX_UNZIPPED_BYTES:
                raise InputError(
                    f"{origin}: the {kind} unpacks to {unzipped / 1e6:,.0f} MB, over the "
                    f"{MAX_UNZIPPED_BYTES / 1e6:,.0f} MB read; is it a zip bomb?"
                )
            _check_xml(archive, members, origin, kind)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise InputError(f"{origin}: corrupt or unreadable {kind} ({type(exc).__name__}: {exc})") from exc


def _check_xml(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], origin: str, kind: str) -> None:
    xml_bytes = tags = 0
    for member in members:
        if member.is_dir():
            continue
        with archive.open(member) as stream:
            head = stream.read(64)
            if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                continue  # not XML (an image): the parser keeps it as bytes
            xml_bytes += member.file_size
            if xml_bytes > MAX_XML_BYTES:
                raise InputError(
                    f"{origin}: the {kind}'s XML unpacks to over {MAX_XML_BYTES / 1e6:,.0f} MB, the most read"
                )
            tags += head.count(b"<")
            while piece := stream.read(1 << 20):
                tags += piece.count(b"<")
        if tags > MAX_XML_TAGS:
            raise InputError(
                f"{origin}: the {kind} holds over {MAX_XML_TAGS:,} XML tags, the most read; "
                "split it or save it as text"
            )
