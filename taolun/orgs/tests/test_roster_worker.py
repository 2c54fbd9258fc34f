"""A roster uploaded and confirmed through the pages, checked and imported by a real Celery worker on Redis
(the production path: nothing runs in the request)."""

from __future__ import annotations

import time

import pytest
from celery.signals import task_postrun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from taolun.core.tests.test_tasks import redis_worker  # noqa: F401 (the fixture)
from taolun.orgs.models import Person, RosterImportJob, RosterJobStatus

from .roster_files import person_row, xlsx_bytes

ROSTER = xlsx_bytes(
    [["C-A9", "甲九社区", "S-A", "社区村", "", "社区", 9]],
    [person_row("P-901", "周一", "C-A9", phone="13700009001"), person_row("P-902", "吴二", "C-A1")],
)


class Finished:
    """The tasks the worker has finished, by name (the worker reports through task_postrun; no result backend)."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[object]] = {}

    def __call__(self, task=None, retval=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.by_name.setdefault(task.name, []).append(retval)

    def wait_for(self, name: str, count: int = 1, timeout: float = 30) -> list[object]:
        deadline = time.monotonic() + timeout
        while len(self.by_name.get(name, [])) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.by_name.get(name, [])) >= count, f"the worker did not finish {name} in {timeout} s"
        return self.by_name[name]


@pytest.fixture
def finished():
    record = Finished()
    task_postrun.connect(record, weak=False)
    yield record
    task_postrun.disconnect(record)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker")
def test_a_roster_is_checked_and_imported_by_a_celery_worker_through_redis(org, finished, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(org.user("liaison"))
    response = client.post(
        reverse("orgs:roster_import"), {"unit": "S-A", "file": SimpleUploadedFile("名册.xlsx", ROSTER)}
    )
    job = RosterImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("orgs:roster_job", args=[job.pk])

    assert finished.wait_for("orgs.roster_job_validate") == [True]
    job.refresh_from_db()
    assert job.status == RosterJobStatus.READY and job.error_count == 0
    assert job.counts == {
        "units": {"created": 1, "updated": 0, "unchanged": 0},
        "people": {"created": 2, "updated": 0, "unchanged": 0},
    }
    assert not Person.objects.filter(code__in=["P-901", "P-902"]).exists()  # checked, not written
    assert "检查通过" in client.get(reverse("orgs:roster_job", args=[job.pk])).content.decode()

    confirm = client.post(reverse("orgs:roster_job_confirm", args=[job.pk]))
    assert confirm.status_code == 302
    assert finished.wait_for("orgs.roster_job_import") == [True]
    job.refresh_from_db()
    assert job.status == RosterJobStatus.DONE and job.confirmed_by == org.user("liaison")
    people = dict(Person.objects.filter(code__in=["P-901", "P-902"]).values_list("name", "unit__code"))
    assert people == {"周一": "C-A9", "吴二": "C-A1"}
    poll = client.get(
        reverse("orgs:roster_job", args=[job.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="roster-job-status"
    )
    assert poll["HX-Refresh"] == "true"  # polling stops: the page reloads with the result
    assert "新建人员 2 人" in client.get(reverse("orgs:roster_job", args=[job.pk])).content.decode()
