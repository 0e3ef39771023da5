"""CSS and the small script of the workspace page (citation selection happens in the browser)."""

from __future__ import annotations

SOURCES_HEIGHT = "min(640px, calc(100vh - 180px))"  # the sources panel's own scroll area
PHONE_MAX_PX = 767  # this wide or narrower: chat first, filters and conversations closed, sources below

CSS = f"""
#chat a.cite-ref {{ display: inline-block; min-width: 1.4em; padding: 0 5px; margin: 0 1px;
  border: 1px solid var(--color-accent); border-radius: 9px; background: var(--color-accent-soft);
  color: var(--color-accent); font-size: 0.78em; font-weight: 600; line-height: 1.45; text-align: center;
  text-decoration: none; vertical-align: 0.12em; cursor: pointer; }}
#chat a.cite-ref:hover, #chat a.cite-ref:focus {{ background: var(--color-accent); color: white; }}
#chat .unsupported {{ text-decoration: underline wavy #c2410c; }}
#chat .abstained {{ color: var(--body-text-color-subdued); }}
#sources .sources-scroll {{ max-height: {SOURCES_HEIGHT}; min-height: 120px; overflow-y: auto;
  overscroll-behavior: contain; padding-right: 6px; }}
#sources .turn {{ display: none; }}
#sources .turn.current {{ display: block; }}
#sources .asked {{ font-weight: 600; margin-bottom: 6px; }}
#sources .turn-nav {{ font-size: 0.85em; margin-bottom: 6px; }}
#sources .turn-link {{ border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 0 6px;
  margin: 0 2px; background: none; cursor: pointer; }}
#sources .turn-link.current {{ border-color: var(--color-accent); color: var(--color-accent);
  font-weight: 600; }}
#sources details.article summary {{ cursor: pointer; font-size: 0.85em; color: var(--color-accent); }}
#sources details.article .whole {{ border-top: 1px dashed var(--border-color-primary); margin-top: 4px;
  padding-top: 4px; }}
#sources .also {{ font-size: 0.85em; color: var(--body-text-color-subdued); }}
#sources .filters-used, #sources .timings {{ font-size: 0.8em; color: var(--body-text-color-subdued); }}
#sources .timings summary {{ cursor: pointer; }}
#sources .cite-card {{ border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  margin: 8px 0; transition: box-shadow 0.2s; }}
#sources .cite-card.selected {{ border-color: var(--color-accent);
  box-shadow: 0 0 0 2px var(--color-accent); }}
#sources .cite-title {{ font-weight: 600; }}
#sources .cite-n {{ color: var(--color-accent); margin-right: 2px; }}
#sources .cite-meta {{ font-size: 0.85em; color: var(--body-text-color-subdued); word-break: break-all; }}
#sources .passage {{ margin-top: 6px; font-size: 0.9em; line-height: 1.45; white-space: pre-line; }}
#sources .passage .excerpt + .excerpt {{ margin-top: 6px; }}
#sources .passage:has(> details.more[open]) > .excerpt {{ display: none; }}
#sources details.more summary {{ cursor: pointer; color: var(--color-accent); font-size: 0.85em;
  white-space: normal; }}
#sources details.more .hide, #sources details.more[open] .show {{ display: none; }}
#sources details.more[open] .hide {{ display: inline; }}
#sources mark {{ background: #fde68a; color: inherit; padding: 0 2px; border-radius: 2px; }}
#sources .cited.selected mark {{ background: #fbbf24; outline: 2px solid #f59e0b; }}
#sources .q-n {{ color: var(--color-accent); font-weight: 700; margin-right: 1px; }}
#sources .flag {{ color: #c2410c; font-size: 0.8em; border: 1px solid #c2410c; border-radius: 4px;
  padding: 0 4px; }}
#sources .abstained-note, #sources .unsupported-list {{ border-left: 3px solid #c2410c; padding-left: 8px; }}
#filter-status .filter-count {{ font-size: 0.85em; color: var(--body-text-color-subdued); }}
#filter-status .filter-count.none {{ color: #c2410c; }}
#filter-status .input-error, #ingest-summary .input-error {{ color: #b91c1c; font-size: 0.85em; }}
html, body {{ overflow-anchor: none; }}  /* a drawer opening never scrolls the page */
#title .html-container {{ padding: 0; }}
#conversations label {{ width: 100%; }}
#conversations .wrap:empty::before {{ content: "No saved conversations yet."; font-size: 0.85em;
  color: var(--body-text-color-subdued); }}
#conversation-status, #confirm-conversation-text {{ font-size: 0.85em; }}
@media (max-width: {PHONE_MAX_PX}px) {{
  #title .tagline {{ display: none; }}
  #title .app-title {{ font-size: var(--text-xl); }}
  #ask-row > #chat-col {{ order: -1; }}
  #ask-row > #filters {{ order: 1; }}
}}
#articles .virtual-row, #articles .body-cell, #articles .body-cell * {{ font-family: var(--font); }}
#articles .virtual-row > .body-cell:last-child, #articles .virtual-row > .body-cell:last-child * {{
  font-family: var(--font-mono); font-size: 0.8em; color: var(--body-text-color-subdued); }}
"""

# Clicking an [n] marker in an answer selects that citation in the sources panel: its answer's section
# is shown, the card outlined, the cited sentence marked, and the panel (only the panel: never the page
# or the containers around it) scrolled to it; a closed Sources drawer is opened first. No server round
# trip. On a phone the Filters and Conversations drawers start closed. The chat does not follow a
# streaming answer to its end (autoscroll is off): a new question is scrolled to the top of the chat,
# so the answer's first line, the direct answer, stays in view below it.
JS = """
() => {
  const PHONE = '(max-width: PHONE_MAX_PXpx)';
  const offset = (el, panel) => el.getBoundingClientRect().top - panel.getBoundingClientRect().top
    + panel.scrollTop;
  const toggle = (drawer) => drawer && drawer.querySelector(':scope > button.label-wrap');
  const isOpen = (drawer) => !toggle(drawer) || toggle(drawer).classList.contains('open');
  const select = (link) => {
    const target = document.getElementById((link.getAttribute('href') || '').replace(/^.*#/, ''));
    if (!target) return;
    const card = target.closest('.cite-card') || target;
    const turn = card.closest('.turn');
    if (turn) showTurn(turn.dataset.turn);
    document.querySelectorAll('#sources .selected').forEach((c) => c.classList.remove('selected'));
    card.classList.add('selected');
    const n = target.getAttribute('data-n');
    const shown = card.querySelector('details.more[open] .full') || card;  // "show more" kept open
    const cited = shown.querySelector(`.cited[data-n~="${n}"]`) || target.closest('.cited');
    card.querySelectorAll(`.cited[data-n~="${n}"]`).forEach((c) => c.classList.add('selected'));
    const panel = card.closest('.sources-scroll');
    if (!panel) return;
    const mark = cited || card;
    let top = offset(card, panel) - 8;
    const bottom = offset(mark, panel) + mark.offsetHeight + 8;
    if (bottom - top > panel.clientHeight) top = offset(mark, panel) - 40;
    panel.scrollTop = Math.max(0, top);
  };
  const showTurn = (k) => {
    const mark = (e) => e.classList.toggle('current', e.dataset.turn === k);
    document.querySelectorAll('#sources .turn, #sources .turn-link').forEach(mark);
  };
  document.addEventListener('click', (event) => {
    const pick = event.target.closest ? event.target.closest('#sources .turn-link') : null;
    if (pick) showTurn(pick.dataset.turn);
  });
  document.addEventListener('click', (event) => {
    const link = event.target.closest ? event.target.closest('a.cite-ref') : null;
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const drawer = document.getElementById('sources-drawer');
    if (isOpen(drawer)) return select(link);
    toggle(drawer).click();
    setTimeout(() => select(link), 0);  // once the drawer's content is shown
  }, true);
  const scroller = (el, root) => {
    for (let e = el.parentElement; e && root.contains(e); e = e.parentElement) {
      const overflow = getComputedStyle(e).overflowY;
      if (overflow === 'auto' || overflow === 'scroll') return e;
    }
    return null;
  };
  let asked = 0, pinned = -1;  // the question kept at the top of the chat while its answer grows
  const chatScroll = (chat) => {
    const users = chat.querySelectorAll('[data-testid="user"]');
    if (users.length !== asked) pinned = users.length > asked ? users.length - 1 : -1;
    asked = users.length;
    const question = users[pinned];
    const box = question && scroller(question, chat);
    if (!box) return;
    const down = question.getBoundingClientRect().top - box.getBoundingClientRect().top - 32;
    if (down > 1) box.scrollTop += down;  // only down: the answer below it is never pushed away
  };
  const unpin = () => { pinned = -1; };  // the analyst scrolls: the chat is theirs again
  const ready = () => {
    const chat = document.getElementById('chat');
    const drawers = ['filters-drawer', 'conversations-drawer'].map((id) => document.getElementById(id));
    if (!chat || drawers.some((d) => !toggle(d))) return false;
    new MutationObserver(() => chatScroll(chat)).observe(chat, {childList: true, subtree: true});
    ['wheel', 'touchmove', 'keydown'].forEach((e) => chat.addEventListener(e, unpin, {passive: true}));
    if (window.matchMedia(PHONE).matches) drawers.forEach((d) => { if (isOpen(d)) toggle(d).click(); });
    return true;
  };
  if (!ready()) {
    const waiting = new MutationObserver(() => { if (ready()) waiting.disconnect(); });
    waiting.observe(document.body, {childList: true, subtree: true});
  }
}
""".replace("PHONE_MAX_PX", str(PHONE_MAX_PX))
