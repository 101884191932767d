"""``python -m analysis import SOURCE FILE... --suggest-map``: a starting mapping file for an export.

:func:`suggest_mapping` reads the export as an import would and writes TOML text: the source's
defaults written out, every attribute name found with the question it already matches or, commented
out, the closest bank questions, and the ratings (of attributes that map to a bank question: an
unmapped spreadsheet column may hold candidate names), recommendations and job names seen that the
defaults do not cover. A record the import would refuse as unreadable contributes nothing. Nothing in it is applied until a person checks it and uncomments it;
:func:`analysis.io.import_setup.load_mapping` reads it as it is.
"""

from __future__ import annotations

import json
import re

from analysis.io.import_setup import (QuestionMatcher, check_inputs, display_name, load_bank, load_mapping,
                                      norm_key)
from analysis.io.importers import IMPORTERS, read_file

__all__ = ["suggest_mapping", "to_toml"]


def _toml_str(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, plus DEL which TOML also requires escaped)."""
    return json.dumps(str(s), ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml(value) -> str:
    """A TOML value for a string, integer, boolean or list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(to_toml(v) for v in value) + "]"
    return _toml_str(value)


def suggest_mapping(source: str, files, data=None) -> str:
    """A starting mapping file (TOML text) for ``files``: the source's defaults written out, every
    attribute name found with the question it already matches or, commented out, the closest bank
    questions (to check and uncomment), and the ratings, recommendations and job/interview names
    seen that the defaults do not cover."""
    files = check_inputs(source, files, None)
    questions = load_bank(data)
    m = load_mapping(source, None, questions)
    bank = QuestionMatcher(questions, m)
    defaults = IMPORTERS[source].mapping
    records = [r for f in files for r in read_file(source, f, m, display=display_name(f))]
    names: dict[str, None] = {}
    ratings: dict[str, str] = {}
    recs: dict[str, str] = {}
    levels: dict[str, None] = {}
    for r in records:
        for it in r.items:
            names.setdefault(it.name)
            # only the ratings of bank questions: a column or attribute that maps to none may hold
            # anything (a spreadsheet's "Candidate email"), and this text is printed and shared
            if it.rating and norm_key(it.rating) not in m["ratings"] and bank.find(it.name):
                ratings.setdefault(norm_key(it.rating), it.rating)
        if r.recommendation and norm_key(r.recommendation) not in m["recommendations"] and not re.match(
                r"^[0-9]+\s*[-–:.]", r.recommendation):
            recs.setdefault(norm_key(r.recommendation), r.recommendation)
        for n in r.level_names:
            levels.setdefault(n)
    out = [f"# Mapping for `python -m analysis import {source} ... --map THIS_FILE`",
           f"# written by --suggest-map from {len(records)} records of {', '.join(display_name(f) for f in files)}.",
           "# Nothing here is applied until you check it: commented lines are suggestions.", "",
           "# attribute names to drop without a score (not questions of the bank)",
           f"ignore = {to_toml(defaults['ignore'])}", "", "[fields]",
           "# where each value is read from: dotted paths tried in order ('a+b' joins two with a space)"]
    out += [f"{k} = {to_toml(v)}" for k, v in defaults["fields"].items()]
    out += ["", "[questions]", "# attribute name = question_id; exact ids and exact question texts "
            "(case and surrounding spaces ignored) match without a line here"]
    for name in names:
        qid, version = bank.find_version(name)
        if qid:
            which = f" (version {version})" if version is not None and bank.versioned(qid) else ""
            out.append(f"# {_toml_str(name)} matches {qid}{which} already")
            continue
        close = bank.suggest(name)
        if close:
            out.append(f"# {_toml_str(name)} = {_toml_str(close[0][0])}  # suggested (similarity "
                       f"{close[0][1]:.2f}; also {', '.join(q for q, _ in close[1:]) or 'none'}): check, then uncomment")
        else:
            out.append(f"# {_toml_str(name)} = \"\"  # no close bank question: map it, or add it to ignore")
    out += ["", "[ratings]", "# source rating = score 1-4, or \"unscored\" (the question is left out, reported)"]
    out += [f"{_toml_str(k)} = {to_toml(v)}" for k, v in defaults["ratings"].items()]
    out += [f"# {_toml_str(raw)} = ?  # seen in the file, not mapped: records rated so are skipped"
            for raw in ratings.values()]
    out += ["# (the values of attributes that map to no question are not listed: map them first)"]
    out += ["", "[recommendations]", "# source recommendation = strong_no/no/yes/strong_yes, or \"skip\" "
            "(the record is skipped, reported)"]
    out += [f"{_toml_str(k)} = {to_toml(v)}" for k, v in defaults["recommendations"].items()]
    out += [f"# {_toml_str(raw)} = ?  # seen in the file, not mapped: these records are skipped"
            for raw in recs.values()]
    out += ["", "[red_flag]", "# a question gets red_flag = true when its rating is one of these, or its note",
            "# contains one of these tags (case ignored); otherwise false",
            f"ratings = {to_toml(list(defaults['red_flag']['ratings']))}",
            f"tags = {to_toml(list(defaults['red_flag']['tags']))}", "",
            "[levels]", "# a word or phrase of the job / interview names = junior, mid or senior",
            "# (or give --level LEVEL for a whole export)"]
    for n in levels:
        low = n.lower()
        guess = next((lv for lv, words in (("senior", ("senior", "staff", "principal", "lead")),
                                           ("junior", ("junior", "graduate", "intern", "entry")),
                                           ("mid", ("mid", "intermediate"))) if any(w in low for w in words)), None)
        out.append(f"# {_toml_str(n)} = {_toml_str(guess or '')}  # seen in the file")
    return "\n".join(out) + "\n"
