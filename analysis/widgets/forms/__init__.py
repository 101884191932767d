"""Widget forms to run an interview live (:class:`InterviewForm`) or log one afterwards
(:class:`LogForm`).

Both forms only gather values: the rules for them (set-up checks, the interview id, the scorecard
rows, what is still missing) are the plain functions of :mod:`analysis.io.interviews`, and
:func:`analysis.io.store.save_interview` validates and writes the scorecard; nothing here knows how
a scorecard is stored. The live form also autosaves its state as a draft (:mod:`analysis.io.drafts`)
on every change, offers unfinished drafts when it opens, and removes the draft once the interview is
saved.

>>> from analysis.widgets.forms import InterviewForm, LogForm
>>> InterviewForm(interviewer="Casey")          # displays the form in a notebook or a Voila app

The modules: :mod:`~analysis.widgets.forms.base` (set-up fields, messages, level changes, saving;
shared), :mod:`~analysis.widgets.forms.card` (how a question is shown; the bank editor's preview
too), :mod:`~analysis.widgets.forms.autosave` (the live form's drafts),
:mod:`~analysis.widgets.forms.interview` (the live form) and :mod:`~analysis.widgets.forms.log` (the
log form).

What the forms guarantee
------------------------
- Nothing is written until everything is there: the candidate id, the interviewer, the date, a
  score for every question in the kit and a recommendation. What is missing is listed in the form.
- User text (notes, names, ids) is escaped with :func:`analysis._text.escape_html` wherever it is
  rendered as HTML, so a note ``<img src=x onerror=alert(1)>`` shows as text.
- Candidate ids are pseudonymous keys: letters, digits, ``.``, ``_`` and ``-`` (up to 64). The
  interview id is ``<date>-<candidate id>-<8 random hex digits>``; the store and the drafts turn
  ids into file names with :func:`analysis.io.store.safe_filename`, so no id leaves its folder.
- An error inside a button or field callback is shown in the form's status line (with the
  traceback under it) and logged, never swallowed.
- The live form records ``duration_seconds``, the time the interviewer spent on each question
  (while it was on screen and the kernel ran), an optional column of the scorecard format.
- Messages follow the form: a "Not saved — missing ..." list is re-checked on every change and
  clears as soon as its problems are fixed.
- Changing the level after anything was entered (a score, a red flag, a note) asks to confirm, then
  rebuilds the kit for the new level (entries of questions in both kits are kept); cancelling puts
  the old level back. Nothing is ever wiped without that confirmation.
- A red flag ticked beside a score above 1 (the rubric's 1 is "showed the red flag") is named at
  once, beside the tick and above *Save scorecard*; saving then stops once and asks to confirm
  (*Save with these red flags*). It is a warning, not a refusal: one red flag in an otherwise sound
  answer is a call the interviewer may make, but never silently.
- The forms offer the active version of each question only (:func:`~analysis.widgets.forms.base.offered_questions`),
  whatever bank they are given, and write ``question_version`` on every row: the version they showed.
  The live form shows the active version (``· v2`` beside a rewritten question's id); the log form shows,
  row by row, the version in force on the interview's date (a past interview asked the wording of its day).
  Rewriting, retiring and adding questions is the bank editor's (:mod:`analysis.widgets.bank_editor`).
- Recommendations are shown as "Strong no", "No", "Yes", "Strong yes" and saved as the codes
  ``strong_no`` ... ``strong_yes``.
- The log form starts with the level's kit; when *Save scorecard* stops on rows where nothing was
  entered (questions not asked), it names them and offers *Drop the N empty rows*. Its date starts
  empty (a past interview: pick the day), its notes are multi-line boxes.
- In a Voila app (or with ``show_paths=False``) no message shows a server file path: "Saved
  interview <id> (N questions)". In a notebook the saved file is shown.
- *This is a practice interview* (or ``practice=True``) saves the scorecard with the column
  ``practice`` true: the loader sets it aside (``Workbook.practice``), so no table, chart, brief,
  fit or export counts it (list and remove them with ``python -m analysis practice``). On the
  synthetic demo folder (:func:`analysis.io.demo_folder.is_demo_folder`) the forms show a banner and
  save only practice interviews; real interviews belong in a folder made with
  ``python -m analysis init DIR``.

Drafts (live form) are safe to share: each form writes its drafts with its own owner token, so two
tabs resuming one draft never overwrite each other (the second one takes it over after a warning,
the first is told and stops saving); a form offers only the drafts of the interviewer in its
*Interviewer* box; a saved interview's draft is never re-created (a double click on *Save* saves
once); typing in the notes is autosaved at most ``autosave_delay`` (1 s) after the first unsaved
keystroke instead of with an fsync per keystroke, and every other change, *Back*, *Next* and *Save*
write at once, so a crash loses at most a second of typing.

Stable CSS classes (``icw-*``) are put on the widgets so that browser tests and custom styling can
find them.
"""

from analysis.widgets.forms.base import SCORE_LABELS
from analysis.widgets.forms.interview import InterviewForm
from analysis.widgets.forms.log import LogForm

__all__ = ["InterviewForm", "LogForm", "SCORE_LABELS"]
