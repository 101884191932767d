"""The live form's drafts: autosave, the offer to resume, and two tabs that never overwrite each
other.

:class:`_AutosavedDrafts` is the part of :class:`~analysis.widgets.forms.interview.InterviewForm`
that speaks the draft protocol of :mod:`analysis.io.drafts`; it is a mixin over
:class:`~analysis.widgets.forms.base._Form` and uses the form's ``state``, ``_has_entries``,
``_candidate``, ``_interviewer``, ``_save_btn``, ``_saved`` and ``_restore(state)`` (which puts a
draft's values into the widgets).

- Each form writes its drafts with its own owner token (:attr:`owner`) and holds the draft it has
  open (:func:`analysis.io.drafts.hold_draft`): a second tab resuming a held draft is warned first
  and takes it over on a second *Resume*; the first tab is told at its next autosave and stops
  saving it.
- Typing in the notes is written at most ``autosave_delay`` after the first unsaved keystroke (a
  timer from ``scheduler``), every other change at once, so a crash loses at most a second of typing
  and the disk is not fsync-ed per keystroke.
- The resume offer lists only the drafts of the interviewer in the *Interviewer* box; drafts that
  cannot be read are listed in the status line.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import ipywidgets as w

from analysis._text import escape_html
from analysis.io.drafts import (DraftTakenError, claim_draft, hold_draft, list_drafts, load_draft, remove_draft,
                                save_draft)
from analysis.io.interviews import age_seconds
from analysis.widgets.forms.base import _classed, _guarded, _show

__all__: list[str] = []


def _default_scheduler(delay: float, callback):
    """Run ``callback`` after ``delay`` seconds: on the running asyncio loop (a Jupyter or Voila
    kernel: the callback then runs on the kernel's thread, like every widget callback), else on a
    timer thread. Returns a handle with ``cancel()``."""
    try:
        return asyncio.get_running_loop().call_later(delay, callback)
    except RuntimeError:
        timer = threading.Timer(delay, callback)
        timer.daemon = True
        timer.start()
        return timer


class _AutosavedDrafts:
    """Autosave, resume, take-over and discard of the live form's drafts (a mixin of the form)."""

    def _init_drafts(self, *, autosave: bool, autosave_delay: float, scheduler) -> None:
        self.autosave = autosave
        self.autosave_delay = float(autosave_delay)
        self._scheduler = scheduler or _default_scheduler
        self._dirty_since: float | None = None
        self._flush_handle = None
        #: This form's owner token for the drafts it writes (one per tab / kernel).
        self.owner = uuid.uuid4().hex
        self._taken = False
        self._takeover_armed: str | None = None
        self._hold = None  # drafts.DraftHold of the draft this form has open
        self._discard_armed = False

    def _build_resume_box(self) -> w.Widget:
        """The offer of unfinished drafts (hidden while there is none), wired to its handlers."""
        self._resume_choice = _classed(w.Dropdown(description="Draft", options=[],
                                                  layout=w.Layout(width="32em")), "icw-resume-choice")
        self._resume_btn = _classed(w.Button(description="Resume", button_style="primary"), "icw-resume")
        self._discard_btn = _classed(w.Button(description="Discard draft"), "icw-discard")
        self._resume_box = _classed(w.VBox([w.HTML("<b>Unfinished interviews</b> (autosaved drafts):"),
                                            w.HBox([self._resume_choice, self._resume_btn, self._discard_btn])]),
                                    "icw-resume-box")
        self._resume_choice.observe(self._on_resume_choice_value, names="value")
        self._resume_btn.on_click(self._on_resume_btn_click)
        self._discard_btn.on_click(self._on_discard_btn_click)
        return self._resume_box

    # -- autosave --------------------------------------------------------------------------------
    def _autosave(self, *, soon: bool = False) -> None:
        if not self.autosave or self._taken:
            return
        if not soon:
            self._write_draft()
            return
        now = self._clock()
        if self._dirty_since is None:
            self._dirty_since = now
            self._flush_handle = self._scheduler(self.autosave_delay, self._on_autosave_timer)
        elif now - self._dirty_since >= self.autosave_delay:  # the timer is late (a busy kernel): write now
            self._write_draft()

    def _cancel_flush(self) -> None:
        handle, self._flush_handle, self._dirty_since = self._flush_handle, None, None
        if handle is not None:
            handle.cancel()

    def _write_draft(self) -> None:
        self._cancel_flush()
        if not self.autosave or self._taken or self._saved:
            return
        if self._hold is None or not self._hold.held:  # a sign of life for other tabs (see DraftHold)
            self._hold = hold_draft(self._key, self.data)
        try:
            save_draft(self.state, self.data, owner=self.owner)
        except DraftTakenError:
            self._release_hold()
            self._taken = True
            self._save_btn.disabled = True
            self._set_status("<b>This interview was opened in another tab or window</b>, which now saves it; "
                             "this tab stopped saving it so the two never overwrite each other. Continue in the "
                             "other tab (or press <i>Resume</i> here to take it back).", "error")
            self._offer_drafts()

    def _on_autosave_timer(self) -> None:
        with self._lock:
            try:
                if self._dirty_since is not None:
                    self._write_draft()
            except Exception as exc:  # noqa: BLE001 — shown in the form, never lost
                self._show_error("autosave", exc)

    def _release_hold(self, *, remove: bool = False) -> None:
        hold, self._hold = self._hold, None
        if hold is not None:
            hold.release(remove=remove)

    def close(self) -> None:
        """Write pending typing and let go of the draft (what a kernel's end does), so another form
        can resume it without a warning."""
        with self._lock:
            if self._dirty_since is not None:
                self._write_draft()
            self._cancel_flush()
            self._release_hold()

    def flush(self) -> None:
        """Write any typing not yet autosaved (the notes wait at most ``autosave_delay``)."""
        with self._lock:
            if self._dirty_since is not None:
                self._write_draft()

    # -- resume ----------------------------------------------------------------------------------
    def _offer_drafts(self) -> None:
        drafts = list_drafts(self.data, interviewer=(self._interviewer.value or "").strip())
        bad = drafts[drafts["problem"] != ""]
        good = drafts[(drafts["problem"] == "") & ((drafts["draft_id"] != self._key) | self._taken)]
        with self._quiet():
            self._resume_choice.options = [
                (f"{r.candidate_id or '(no candidate)'} · {r.level} · {r.interviewer or '(no interviewer)'} · "
                 f"{r.date} · {r.answered}/{r.questions} scored · saved {r.updated}", r.draft_id)
                for r in good.itertuples()]
            self._resume_choice.value = good["draft_id"].iloc[0] if len(good) else None
        _show(self._resume_box, len(good) > 0)
        if len(bad):
            items = "".join(f"<li>{escape_html(p)}</li>" for p in bad["problem"])
            self._set_status(f"{len(bad)} draft(s) could not be read:<ul>{items}</ul>", "error")

    def resume(self, draft_id: str, *, take_over: bool = False) -> None:
        """Continue the interview saved in draft ``draft_id`` (from :func:`analysis.io.drafts.list_drafts`).

        A draft that a live form holds open (another tab or window; see
        :class:`analysis.io.drafts.DraftHold`) is not taken silently: the first call only warns, a second
        call (or ``take_over=True``) takes it over, and the other tab is told at its next autosave and
        stops saving it. A draft left by a closed tab or a dead kernel resumes at once.
        """
        st = load_draft(draft_id, self.data)
        other = st.get("owner")
        hold = None
        if other != self.owner:
            hold = hold_draft(draft_id, self.data)
            if not hold.held and not take_over and self._takeover_armed != draft_id:
                age = age_seconds(st.get("updated"))
                when = f" (last saved {int(age)} s ago)" if age is not None else ""
                self._takeover_armed = draft_id
                self._set_status(f"<b>This draft is open in another tab or window</b>{when}. Press <i>Resume</i> "
                                 "again to continue it here; the other tab then stops saving it.", "error")
                return
        self._takeover_armed = None
        if hold is not None:
            self._release_hold()
            self._hold = hold
        self._cancel_flush()
        if not self._has_entries() and not (self._candidate.value or "").strip() and self._key != draft_id:
            remove_draft(self._key, self.data)  # this form's own empty draft: nothing to keep
        st, _ = claim_draft(draft_id, self.data, owner=self.owner)
        self._taken = False
        self._restore(st)

    # -- handlers ----------------------------------------------------------------------------------
    @_guarded
    def _on_resume_choice_value(self, change):
        self._discard_armed = False
        self._discard_btn.description = "Discard draft"

    @_guarded
    def _on_resume_btn_click(self, _):
        if self._resume_choice.value is None:
            return
        self.resume(self._resume_choice.value)

    @_guarded
    def _on_discard_btn_click(self, _):
        draft = self._resume_choice.value
        if draft is None:
            return
        if not self._discard_armed:
            self._discard_armed = True
            self._discard_btn.description = "Click again to discard"
            return
        self._discard_armed = False
        self._discard_btn.description = "Discard draft"
        remove_draft(draft, self.data)
        self._offer_drafts()
        self._set_status("Draft discarded.", "info")
