"""Small helpers shared by the ledger's domain tests: uploads, audit entries, problems walked to a status."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taolun.activities.tests.conftest import image_bytes
from taolun.campaigns import services as campaign_services
from taolun.campaigns.models import Campaign
from taolun.campaigns.tests.conftest import plan_data, plan_yaml
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import Problem, ProblemStatus

PDF_BYTES = b"%PDF-1.4\n%test evidence\n"


def pdf(name: str = "证明.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def disguised(name: str = "整改照片.pdf") -> SimpleUploadedFile:
    """A program named like a document: the name and the browser's type say PDF, the bytes do not."""
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03\x00\x00\x00 not a document", content_type="application/pdf")


def stored_files(root: Path | None = None) -> list[Path]:
    """The files under ``MEDIA_ROOT`` (the ``media`` fixture gives each test its own folder)."""
    root = root or Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file())


def plan_campaign(org: Any, *, key: str, **plan: Any) -> Campaign:
    """An active campaign over the district from a small plan built in code (``requirements=[…]`` …)."""
    loaded = campaign_services.plan_load(source=plan_yaml(plan_data(key=key, **plan)), by=None)
    created = campaign_services.campaign_create(
        plan=loaded,
        root_unit=org.district,
        slug=key,
        start_date=timezone.localdate() - dt.timedelta(days=30),
        by=None,
    )
    return campaign_services.campaign_activate(campaign=created, by=None)


def entries(obj: Any, action: str | None = None) -> list[AuditEntry]:
    qs = AuditEntry.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk)).order_by("at", "id")
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs)


def reload(problem: Problem) -> Problem:
    return Problem.objects.get(pk=problem.pk)


def walk(make_problem: Any, status: str, **kwargs: Any) -> Problem:
    """A problem of street A brought to ``status`` through the services (as the system)."""
    if status == ProblemStatus.FOUND:
        return make_problem(**kwargs)
    if status == ProblemStatus.DISMISSED:
        problem = make_problem(**kwargs)
        return services.problem_dismiss(problem=problem, reason="不属于本单位职责", by=None)
    problem = make_problem(confirmed=True, **kwargs)
    if status == ProblemStatus.CONFIRMED:
        return problem
    measure = problem.measures.get()
    if status == ProblemStatus.RECTIFYING:
        services.measure_progress(measure=measure, progress=50, note="已完成一半", by=None)
        return reload(problem)
    services.measure_progress(measure=measure, progress=100, note="全部完成", by=None, files=[pdf()])
    problem = services.problem_finish(problem=reload(problem), result="审批时限由20天压缩到8天", by=None)
    if status == ProblemStatus.DONE:
        return reload(problem)
    services.problem_close(problem=problem, by=None)
    if status == ProblemStatus.CLOSED:
        return reload(problem)
    raise ValueError(status)
