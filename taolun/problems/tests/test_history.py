"""A problem's history: every write through the services is one version, read back with its changes."""

from __future__ import annotations

from typing import Any

import pytest

from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.core.history import entries_of, versions
from taolun.orgs.models import Unit
from taolun.problems import services
from taolun.problems.models import Problem

from .conftest import days
from .helpers import pdf, reload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

LABELS = {f.name: f.verbose_name for f in Problem._meta.fields}


def show(name: str, value: Any) -> Any:
    if name == "unit" and value:
        return Unit.objects.get(pk=value).name
    return value


def test_each_edit_is_a_version_with_its_changes(org, make_problem, owner):
    content = "老旧小区雨后积水严重，居民出行困难，周边商户受影响，多次反映未解决"
    problem = make_problem(content=content)
    by = org.user("liaison")
    services.problem_update(problem=problem, unit=org.community_a, by=by)
    services.problem_update(problem=problem, owner=owner, standard="雨后两小时内无积水", deadline=days(30), by=by)
    rewritten = "老旧小区雨后积水严重，老人孩子出行困难，周边商户受影响，多次反映一直未解决"
    services.problem_update(problem=problem, content=rewritten, by=by, note="补充情况")
    measure = services.measure_add(problem=problem, content="改造排水管网", deadline=days(20), owner=owner, by=by)
    services.problem_confirm(problem=problem, by=by)
    services.measure_progress(measure=measure, progress=100, note="管网改造完成", by=org.user("owner"), files=[pdf()])
    services.problem_finish(problem=reload(problem), result="雨后无积水", by=by)
    services.problem_close(problem=problem, by=org.user("office"))

    rows = versions(entries_of(problem), LABELS, show)
    assert [v.entry.action for v in rows] == [
        "problems.create",
        "problems.update",
        "problems.update",
        "problems.update",
        "problems.measure.add",
        "problems.confirm",
        "problems.measure.progress",
        "problems.start",
        "problems.evidence.add",
        "problems.finish",
        "problems.close",
    ]

    def changes(i: int) -> dict[str, tuple[Any, Any]]:
        return {c.name: (c.before, c.after) for c in rows[i].changes}

    assert rows[0].entry.actor is None and changes(0)["content"] == (None, content)
    assert changes(1) == {"unit": ("甲街道", "甲一社区")}
    assert [c.label for c in rows[1].changes] == ["责任单位"]
    assert changes(2) == {
        "owner": (None, owner.pk),
        "standard": ("", "雨后两小时内无积水"),
        "deadline": (None, days(30).isoformat()),
    }
    (text,) = rows[3].changes
    assert (text.label, rows[3].entry.note, rows[3].entry.actor) == ("问题内容", "补充情况", by)
    assert text.diff is not None
    assert "".join(p.text for p in text.diff if p.op != "insert") == content
    assert "".join(p.text for p in text.diff if p.op != "delete") == rewritten
    assert [p.text for p in text.diff if p.op == "insert"] == ["老人孩子", "一直"]
    assert changes(4)["measure"] == (None, measure.pk) and changes(4)["content"] == (None, "改造排水管网")
    assert changes(5) == {"status": ("found", "confirmed")}
    assert changes(6)["progress"] == (0, 100) and rows[6].entry.actor == org.user("owner")
    assert changes(10)["status"] == ("done", "closed") and changes(10)["on_time"] == (None, True)
    assert all(v.entry.unit_path == org.community_a.path for v in rows[1:])


def test_the_history_of_one_problem_only(make_problem):
    first = make_problem()
    second = make_problem()
    services.problem_update(problem=second, standard="标准", by=None)
    assert [e.action for e in entries_of(first)] == ["problems.create"]
    assert [e.action for e in entries_of(second)] == ["problems.create", "problems.update"]
