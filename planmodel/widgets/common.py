"""Small pieces every app widget shares: the busy state and section headings."""

from __future__ import annotations

import html
from contextlib import contextmanager

import ipywidgets as widgets

#: CSS class set on an app while it computes; tests and benchmarks wait for it to go away.
BUSY_CLASS = "planmodel-busy"


@contextmanager
def busy(widget: widgets.DOMWidget):
    """Mark ``widget`` busy (dimmed by CSS, visible to tests) for the duration of the block."""
    widget.add_class(BUSY_CLASS)
    try:
        yield
    finally:
        widget.remove_class(BUSY_CLASS)


def heading(text: str) -> widgets.HTML:
    """A section heading (h3) with the apps' spacing."""
    return widgets.HTML(f'<h3 style="margin:16px 0 4px 0">{html.escape(text)}</h3>')
