"""How a form shows one question: the card of the live form (id, level, topic, the question) and its
guide (what good looks like, the red flag).

One place, so the interview form and the bank editor's preview
(:class:`analysis.widgets.bank_editor.BankEditor`) show a question the same way: a draft rewrite is
previewed exactly as interviewers will read it. Every piece of text is escaped with
:func:`analysis._text.escape_html` (question text is typed by users).
"""

from __future__ import annotations

from analysis._text import escape_html

__all__ = ["question_html", "guide_html"]


def question_html(question_id: str, q) -> str:
    """The question as the live form shows it: a line ``<id> · <level> · <topic>`` (``· v2`` after
    the id for a rewritten question, so an interviewer can tell the wording in use), then the
    question in large type.

    Parameters
    ----------
    question_id : str
        The stable id.
    q : mapping
        ``level``, ``topic``, ``question`` and optionally ``version`` (a row of the bank).
    """
    version = q.get("version", 1) if hasattr(q, "get") else 1
    label = f" · v{int(version)}" if version is not None and int(version) > 1 else ""
    return (f"<div class='icw-question-meta'><code>{escape_html(question_id)}</code>{label} · "
            f"{escape_html(q['level'])} · {escape_html(q['topic'])}</div>"
            f"<p style='font-size:1.15em'>{escape_html(q['question'])}</p>")


def guide_html(q) -> str:
    """The guide panel's body: what good looks like and the red flag (``good_answer``, ``red_flag``)."""
    return (f"<p><b>What good looks like:</b> {escape_html(q['good_answer'])}</p>"
            f"<p><b>Red flag:</b> {escape_html(q['red_flag'])}</p>")
