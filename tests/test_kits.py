"""Question kits (:mod:`analysis.io.kits`), called directly: the default kit of each level and the
editing helpers the live form's kit editor uses."""

from __future__ import annotations

import pytest

from analysis.io.kits import add_question, default_kit, filter_bank, move_question, remove_question, stretch_question


def test_default_kit_spreads_over_topics_and_adds_a_stretch(bank):
    # By hand from data/questions.csv: the junior questions' topics in bank order are compute, data,
    # reliability, security, networking, data, networking, cost; round-robin over the six topics
    # takes the first of each; the stretch is the first mid question with a topic not yet covered
    # (mid-high-availability is reliability, covered; mid-horizontal-scaling is architecture).
    assert default_kit(bank, "junior") == ["jr-compute-options", "jr-s3-basics", "jr-regions-azs", "jr-iam-basics",
                                           "jr-sg-vs-nacl", "jr-s3-pricing", "mid-horizontal-scaling"]
    mid = default_kit(bank, "mid")
    assert len(mid) == 7 and mid[-1].startswith("sr-")
    topics = bank.set_index("question_id").loc[mid[:6], "topic"]
    assert topics.nunique() == bank[bank["level"] == "mid"]["topic"].nunique() == 6
    # the top level has no level above: six questions, no stretch
    senior = default_kit(bank, "senior")
    assert len(senior) == 6 and all(q.startswith("sr-") for q in senior)
    assert default_kit(bank, "junior", stretch=False, size=3) == ["jr-compute-options", "jr-s3-basics",
                                                                   "jr-regions-azs"]
    with pytest.raises(ValueError, match="expected one of junior, mid, senior"):
        default_kit(bank, "principal")


def test_kit_editing_helpers(bank):
    kit = ["a", "b", "c"]
    assert add_question(kit, "d") == ["a", "b", "c", "d"]
    assert add_question(kit, "d", 0) == ["d", "a", "b", "c"]
    assert add_question(kit, "b") == kit
    assert remove_question(kit, "b") == ["a", "c"]
    assert move_question(kit, "c", -1) == ["a", "c", "b"]
    assert move_question(kit, "a", -1) == kit  # clamped at the top
    assert move_question(kit, "a", +5) == ["b", "c", "a"]
    assert kit == ["a", "b", "c"]  # never modified in place
    hits = filter_bank(bank, text="EGRESS", exclude=["jr-s3-pricing"])
    assert "sr-egress-cost" in set(hits["question_id"])
    assert set(filter_bank(bank, level="mid", topic="security")["question_id"]) == {"mid-iam-roles-vs-keys",
                                                                                   "mid-secrets-config"}


def test_an_unknown_level_is_named_by_every_kit_function(bank):
    for call in (lambda: default_kit(bank, "lead"), lambda: stretch_question(bank, "lead")):
        with pytest.raises(ValueError, match="got level 'lead', expected one of junior, mid, senior"):
            call()
    assert stretch_question(bank, "senior") is None  # the top level has no level above
