"""Roster import jobs: the transition table, claims that make a redelivered task do nothing twice,
all-or-nothing with the job's own "done", permissions, and the expiry of uploads and jobs."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import shared_org
from taolun.celery import app as celery_app
from taolun.core.models import AuditEntry
from taolun.orgs.models import Person, RosterImportJob, RosterJobStatus
from taolun.orgs.roster import roster_import
from taolun.orgs.roster_jobs import (
    TRANSITIONS,
    UPLOAD_DIR,
    roster_job_confirm,
    roster_job_create,
    roster_job_move,
    roster_uploads_cleanup,
)
from taolun.orgs.roster_jobs_read import job_progress, roster_jobs_visible_to, upload_file
from taolun.orgs.tasks import cleanup_roster_uploads, roster_job_import, roster_job_validate

from .roster_files import db_counts, person_row, xlsx_bytes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org())

S = RosterJobStatus
GOOD = xlsx_bytes(None, [person_row("P-1", "王五", "C-A1"), person_row("P-2", "赵六", "C-A1")])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def create(org, data: bytes = GOOD, *, role: str = "liaison", unit=None) -> RosterImportJob:
    """A job as the upload page makes it, before its tasks run (they are queued on commit)."""
    unit = unit if unit is not None else org.street_a
    upload = SimpleUploadedFile("名册.xlsx", data)
    return roster_job_create(upload=upload, filename="名册.xlsx", under=unit, by=org.user(role))


def checked(org, data: bytes = GOOD) -> RosterImportJob:
    job = create(org, data)
    assert roster_job_validate.delay(job_id=job.pk).get() is True
    job.refresh_from_db()
    return job


def confirmed(org, data: bytes = GOOD) -> RosterImportJob:
    job = checked(org, data)
    assert roster_job_confirm(job=job, by=org.user("liaison")) is True
    return job


def moves(job: RosterImportJob) -> list[str]:
    entries = AuditEntry.objects.filter(object_type="orgs.RosterImportJob", object_id=str(job.pk)).order_by("id")
    return [e.action.rsplit(".", 1)[1] for e in entries]


# --- the transition table ---------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "to"), list(itertools.product(S.values, S.values)))
def test_only_the_moves_in_the_transition_table_are_allowed(org, start, to):
    job = RosterImportJob.objects.create(created_by=org.user("office"), filename="a.xlsx", status=start)
    if to in TRANSITIONS[start]:
        assert roster_job_move(job=job, to=to) is True
        job.refresh_from_db()
        assert job.status == to
        entry = AuditEntry.objects.get(action=f"orgs.roster_job.{TRANSITIONS[start][to]}")
        assert entry.before == {"status": start} and entry.after["status"] == to
    else:
        with pytest.raises(ValidationError) as exc:
            roster_job_move(job=job, to=to)
        assert exc.value.code == "invalid_transition" and "不能改为" in exc.value.messages[0]
        job.refresh_from_db()
        assert job.status == start and moves(job) == []


def test_a_finished_job_moves_nowhere(org):
    assert TRANSITIONS[S.DONE] == {} and TRANSITIONS[S.FAILED] == {}
    assert set(TRANSITIONS) == set(S.values)


def test_a_move_is_a_claim_only_one_holder_of_the_job_wins(org):
    job = RosterImportJob.objects.create(created_by=org.user("office"), filename="a.xlsx")
    first, second = RosterImportJob.objects.get(pk=job.pk), RosterImportJob.objects.get(pk=job.pk)
    assert roster_job_move(job=first, to=S.VALIDATING) is True
    assert roster_job_move(job=second, to=S.VALIDATING) is False
    assert moves(job) == ["validate"]


def test_finishing_moves_record_the_time(org):
    job = RosterImportJob.objects.create(created_by=org.user("office"), filename="a.xlsx", status=S.IMPORTING)
    roster_job_move(job=job, to=S.FAILED, message="坏了")
    job.refresh_from_db()
    assert job.finished_at is not None and job.message == "坏了"


# --- the tasks and their claims -------------------------------------------------------------------


def test_creating_a_job_keeps_the_file_privately_and_queues_the_check(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        job = create(org)
    assert job.status == S.QUEUED and len(queued) == 2  # the check, and the expiry sweep
    path = upload_file(job)
    assert path.read_bytes() == GOOD and path.parent == django_settings.MEDIA_ROOT / UPLOAD_DIR
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert moves(job) == ["create"]


def test_the_check_runs_once_however_often_its_task_is_delivered(org):
    job = checked(org)
    assert job.status == S.READY and job.counts["people"]["created"] == 2
    entries = AuditEntry.objects.count()
    assert roster_job_validate.delay(job_id=job.pk).get() is False  # a redelivery
    job.refresh_from_db()
    assert job.status == S.READY and AuditEntry.objects.count() == entries
    assert moves(job) == ["create", "validate", "ready"]


def test_the_import_runs_once_however_often_its_task_is_delivered(org):
    job = confirmed(org)
    assert roster_job_import.delay(job_id=job.pk).get() is True
    after = db_counts()
    job.refresh_from_db()
    assert job.status == S.DONE and Person.objects.filter(code__in=["P-1", "P-2"]).count() == 2
    assert roster_job_import.delay(job_id=job.pk).get() is False  # a redelivery: a finished job changes nothing
    assert roster_job_validate.delay(job_id=job.pk).get() is False
    assert db_counts() == after
    assert moves(job) == ["create", "validate", "ready", "confirm", "import", "done"]


def test_confirming_twice_queues_one_import(org, django_capture_on_commit_callbacks):
    job = checked(org)
    with django_capture_on_commit_callbacks() as queued:
        assert roster_job_confirm(job=job, by=org.user("liaison")) is True
        assert roster_job_confirm(job=RosterImportJob.objects.get(pk=job.pk), by=org.user("liaison")) is False
    assert len(queued) == 1 and moves(job).count("confirm") == 1


def test_an_unconfirmed_job_is_not_imported(org):
    job = checked(org)
    before = db_counts()
    assert roster_job_import.delay(job_id=job.pk).get() is False
    job.refresh_from_db()
    assert job.status == S.READY and db_counts() == before


def test_a_job_with_errors_cannot_be_confirmed(org):
    job = checked(org, xlsx_bytes(None, [person_row("P-1", "", "C-A1")]))
    assert job.status == S.READY and job.error_count == 1 and job.upload_path == ""
    with pytest.raises(ValidationError) as exc:
        roster_job_confirm(job=job, by=org.user("liaison"))
    assert exc.value.code == "has_errors"
    job.refresh_from_db()
    assert job.confirmed_at is None


def test_a_job_still_being_checked_cannot_be_confirmed(org):
    job = create(org)
    with pytest.raises(ValidationError) as exc:
        roster_job_confirm(job=job, by=org.user("liaison"))
    assert exc.value.code == "not_ready" and "排队中" in exc.value.messages[0]


def test_only_someone_who_may_import_into_the_unit_may_create_or_confirm(org):
    with pytest.raises(PermissionDenied):
        create(org, role="liaison_b")
    with pytest.raises(PermissionDenied):
        create(org, role="liaison", unit=org.district)
    job = checked(org)
    with pytest.raises(PermissionDenied):
        roster_job_confirm(job=job, by=org.user("liaison_b"))
    assert RosterImportJob.objects.count() == 1


def test_jobs_are_visible_to_their_owner_and_to_offices_covering_their_unit(org_mixed_roles):
    org = org_mixed_roles
    job = create(org)
    top = create(org, role="office", unit=org.district)
    seen = {
        role: set(roster_jobs_visible_to(org.user(role))) for role in ("liaison", "liaison_b", "office", "office_a")
    }
    assert seen["liaison"] == {job} and seen["liaison_b"] == set()
    assert seen["office"] == {job, top} and seen["office_a"] == {job}


def test_a_vanished_upload_fails_the_check_with_a_message(org):
    job = create(org)
    upload_file(job).unlink()
    roster_job_validate.delay(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == S.FAILED and "已不存在" in job.message and job.finished_at is not None


def test_an_uploader_who_lost_the_right_to_import_gets_a_failed_check(org):
    job = create(org)
    org.user("liaison").role_assignments.all().delete()
    from taolun.accounts.selectors import forget_role_scopes

    forget_role_scopes(org.user("liaison"))
    roster_job_validate.delay(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == S.FAILED and "没有权限" in job.message


def test_the_import_writes_nothing_when_recording_it_fails(org):
    before = db_counts()

    def refuse(report):
        raise RuntimeError("the job could not be marked done")

    with pytest.raises(RuntimeError):
        roster_import(file_obj=io.BytesIO(GOOD), filename="a.xlsx", under=org.street_a, by=None, on_written=refuse)
    assert db_counts() == before


def test_progress_is_kept_while_the_import_runs_and_closed_when_it_ends(org):
    job = confirmed(org)
    job.refresh_from_db()
    assert (job.rows_done, job.rows_total) == (2, 2) and job_progress(job)["percent"] == 100
    roster_job_import.delay(job_id=job.pk)
    job.refresh_from_db()
    assert (job.phase, job.rows_done, job.rows_total) == ("", 2, 2)


# --- expiry ---------------------------------------------------------------------------------------


def aged(job: RosterImportJob, days: float) -> RosterImportJob:
    then = timezone.now() - dt.timedelta(days=days)
    RosterImportJob.objects.filter(pk=job.pk).update(created_at=then, updated_at=then)
    job.refresh_from_db()
    return job


def test_cleanup_deletes_unconfirmed_jobs_and_their_uploads_after_a_day(org):
    old_ready = aged(checked(org), 2)
    old_queued = aged(create(org), 2)
    fresh = checked(org)
    files = {j.pk: upload_file(j) for j in (old_ready, old_queued, fresh)}
    done = aged(confirmed(org), 2)
    roster_job_import.delay(job_id=done.pk)
    result = cleanup_roster_uploads.delay().get()
    assert result == {"expired": 2, "finished": 0, "interrupted": 0, "files": 2}
    assert set(RosterImportJob.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    assert not files[old_ready.pk].exists() and not files[old_queued.pk].exists() and files[fresh.pk].exists()
    entry = AuditEntry.objects.get(action="orgs.roster_job.cleanup")
    assert entry.after == {"expired": 2, "finished": 0, "interrupted": 0}
    # Idempotent: nothing more to do the second time.
    assert roster_uploads_cleanup() == {"expired": 0, "finished": 0, "interrupted": 0, "files": 0}
    assert AuditEntry.objects.filter(action="orgs.roster_job.cleanup").count() == 1


def test_cleanup_marks_an_import_stuck_for_a_day_failed(org):
    job = confirmed(org)
    roster_job_move(job=job, to=S.IMPORTING)  # a worker claimed it and died
    aged(job, 2)
    assert roster_uploads_cleanup()["interrupted"] == 1
    job.refresh_from_db()
    assert job.status == S.FAILED and "中断" in job.message and job.upload_path == ""
    assert not Person.objects.filter(code="P-1").exists()


def test_cleanup_deletes_stray_files_and_finished_jobs_after_thirty_days(org, settings):
    job = confirmed(org)
    roster_job_import.delay(job_id=job.pk)
    stray = settings.MEDIA_ROOT / UPLOAD_DIR / "stray"
    stray.write_bytes(b"left behind")
    assert roster_uploads_cleanup()["files"] == 0  # not yet a day old
    later = timezone.now() + dt.timedelta(days=31)
    assert roster_uploads_cleanup(now=later) == {"expired": 0, "finished": 1, "interrupted": 0, "files": 1}
    assert not stray.exists() and not RosterImportJob.objects.exists()
    assert Person.objects.filter(code="P-1").exists()  # only the job's record goes


def test_the_cleanup_runs_hourly_from_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["orgs.cleanup_roster_uploads"]
    assert entry["task"] == "orgs.cleanup_roster_uploads" and entry["task"] in celery_app.tasks
    assert entry["schedule"] <= 3600
