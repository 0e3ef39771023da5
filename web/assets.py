"""CSS and the small script of the workspace page (citation selection happens in the browser)."""

from __future__ import annotations

CSS = """
#chat .cite-ref { font-weight: 600; text-decoration: none; padding: 0 1px; cursor: pointer; }
#chat .unsupported { text-decoration: underline wavy #c2410c; }
#chat .abstained { color: var(--body-text-color-subdued); }
#sources { max-height: 640px; overflow-y: auto; }
#sources .turn { display: none; }
#sources .turn.current { display: block; }
#sources .asked { font-weight: 600; margin-bottom: 6px; }
#sources .filters-used, #sources .timings { font-size: 0.8em; color: var(--body-text-color-subdued); }
#sources .cite-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin: 8px 0; transition: box-shadow 0.2s; }
#sources .cite-card.selected { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent); }
#sources .cite-title { font-weight: 600; }
#sources .cite-n { color: var(--color-accent); }
#sources .cite-meta { font-size: 0.85em; color: var(--body-text-color-subdued); word-break: break-all; }
#sources .passage { margin-top: 6px; font-size: 0.9em; line-height: 1.45; }
#sources mark { background: #fde68a; color: inherit; padding: 0 2px; border-radius: 2px; }
#sources .cite-card.selected mark { background: #fbbf24; }
#sources .flag { color: #c2410c; font-size: 0.8em; border: 1px solid #c2410c; border-radius: 4px;
  padding: 0 4px; }
#sources .abstained-note, #sources .unsupported-list { border-left: 3px solid #c2410c; padding-left: 8px; }
"""

# Clicking an [n] marker in an answer selects that citation in the sources panel: its answer's section
# is shown, the card outlined, scrolled into view. No server round trip.
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a.cite-ref') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById((link.getAttribute('href') || '').replace(/^.*#/, ''));
    if (!card) return;
    const turn = card.closest('.turn');
    document.querySelectorAll('#sources .turn').forEach((t) => t.classList.toggle('current', t === turn));
    document.querySelectorAll('#sources .cite-card.selected').forEach((c) => c.classList.remove('selected'));
    card.classList.add('selected');
    card.scrollIntoView({block: 'nearest'});
  }, true);
}
"""
