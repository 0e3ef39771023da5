"""Small input files the ingest tests build themselves: HTML, PDF, DOCX, RSS/Atom, JSON."""

from __future__ import annotations

import json
from pathlib import Path

BODY = (
    "The ministry confirmed on Tuesday that the new radar systems were delivered to the northern "
    "brigade. Officials said the deliveries followed months of negotiations with the supplier. "
    "Analysts expect further contracts for air defence equipment before the end of the year."
)


def html_page(title: str = "Radar deliveries confirmed", body: str = BODY) -> str:
    paragraphs = "".join(f"<p>{s.strip()}.</p>" for s in body.split(". ") if s.strip())
    return f"""<!DOCTYPE html><html><head><title>{title} | Defense Wire</title>
<meta property="og:site_name" content="Defense Wire">
<meta name="author" content="Jane Analyst">
<meta property="article:published_time" content="2023-10-05T09:30:00+00:00">
<link rel="canonical" href="https://defensewire.example/news/radar-deliveries">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/subscribe">Subscribe now</a></nav>
<div class="cookie">We use cookies to improve your experience. Accept all cookies.</div>
<article><h1>{title}</h1>{paragraphs}<p>{body}</p></article>
<footer>Copyright 2023 Defense Wire. All rights reserved. Privacy policy. Terms of use.</footer>
</body></html>"""


def pdf_bytes(pages: list[str], title: str = "Quarterly Brief") -> bytes:
    """A minimal valid PDF (Helvetica text, one line per string) with correct xref offsets."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        lines = [text[j : j + 80] for j in range(0, len(text), 80)]
        ops = (
            "BT /F1 10 Tf 14 TL 50 750 Td "
            + " ".join(
                "(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for ln in lines
            )
            + " ET"
        )
        stream = ops.encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info = len(objects) + 1
    objects.append(f"<< /Title ({title}) /Author (Brief Team) /CreationDate (D:20231105120000Z) >>".encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_docx(path: Path, title: str, paragraphs: list[str]) -> Path:
    import datetime

    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    document.core_properties.title = title
    document.core_properties.author = "Desk Officer"
    document.core_properties.created = datetime.datetime(2023, 11, 2, 8, 0, 0)
    document.save(str(path))
    return path


def rss(items: list[dict[str, str]], title: str = "Wire Feed") -> str:
    entries = "".join(
        "<item>"
        + (f"<title>{i['title']}</title>" if "title" in i else "")
        + (f"<link>{i['link']}</link>" if "link" in i else "")
        + (f"<author>{i['author']}</author>" if "author" in i else "")
        + (f"<pubDate>{i['date']}</pubDate>" if "date" in i else "")
        + (f"<description><![CDATA[{i['text']}]]></description>" if "text" in i else "")
        + "</item>"
        for i in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{entries}</channel></rss>'


def atom(title: str, entry_title: str, text: str, link: str, updated: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title><updated>{updated}</updated>
<entry><title>{entry_title}</title><link href="{link}"/><id>{link}</id><updated>{updated}</updated>
<published>{updated}</published><author><name>Atom Author</name></author>
<content type="html">&lt;p&gt;{text}&lt;/p&gt;</content></entry></feed>"""


def multihop_json(records: list[dict[str, object]]) -> str:
    return json.dumps(records)


# A short report about something no stored article mentions, and a question only it answers (crash
# recovery and replica tests).
KSTOVO_REPORT = """---
title: Drone strike on the Kstovo refinery
source: Volga Monitor
published_at: 2025-03-02
---
Drones struck the Kstovo refinery near Nizhny Novgorod overnight, starting a fire at the primary
distillation unit. Regional officials said air defence units downed most of the drones over Kstovo.
Satellite images of the Kstovo refinery showed two damaged storage tanks the next morning.
"""
KSTOVO_QUESTION = "What did satellite images of the Kstovo refinery show after the drone strike?"
