"""core.forms.LongSelect writes what Django's Select writes, in Python."""

from __future__ import annotations

import re

import pytest
from django import forms

from core.forms import LongSelect


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


CHOICES = [("", "— Choose —"), ("a", "Ann & <Bo>"), ("b", 'Bea "B"'), (3, "Three")]


@pytest.mark.parametrize("value", [None, "", "a", "b", 3, "3", "nope"])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_owner", "required": True, "aria-invalid": "true"}]
)
def test_a_long_select_is_djangos_select(value, attrs):
    ours = LongSelect(choices=CHOICES).render("decision-owner", value, attrs)
    theirs = forms.Select(choices=CHOICES).render("decision-owner", value, attrs)
    assert _squeeze(ours) == _squeeze(theirs)
    assert "<Bo>" not in ours


def test_a_long_select_with_option_groups_is_left_to_django():
    grouped = [("Team", [("a", "Ann")]), ("b", "Bea")]
    ours = LongSelect(choices=grouped).render("x", "a")
    assert ours == forms.Select(choices=grouped).render("x", "a")
    assert '<optgroup label="Team">' in ours
