"""The problem evidence refuses a combination that could never count anything."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from taolun.campaigns.plan import ProblemEvidence


def test_closed_on_time_needs_closed_among_the_statuses():
    with pytest.raises(ValidationError, match="add 'closed' to status"):
        ProblemEvidence(kind="problem", status=["confirmed"], closed_on_time=True)
    assert ProblemEvidence(kind="problem", closed_on_time=True).closed_on_time
