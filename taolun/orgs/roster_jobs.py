"""Roster import jobs (名册导入任务): an uploaded roster checked and imported in the background.

    upload → queued → validating → ready (the preview, waiting for confirmation) → importing → done
                                 ↘ failed                                        ↘ failed

Both heavy steps run in Celery (``orgs.tasks``). Each task first claims its job with a conditional
update (``roster_job_move``: ``filter(pk=…, status=expected).update(status=next)``), so a task
delivered twice finds the job already moved on and does nothing. The import commits the job's
"done" in the same transaction as the rows it writes: a job still "importing" has written nothing,
and a finished job is never imported again.

The uploaded file waits in a private folder (``MEDIA_ROOT/roster-uploads/``, never served by URL)
until the import ends or the job expires (``roster_uploads_cleanup``, run hourly).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from taolun.core.services import audit_record
from taolun.core.text import join_list

from .models import RosterImportJob, RosterJobStatus, Unit
from .roster_format import PEOPLE, UNITS, ImportReport
from .roster_import import roster_import
from .roster_jobs_read import progress_key, upload_file
from .roster_match import require_roster_import

if TYPE_CHECKING:
    from taolun.accounts.models import User

logger = logging.getLogger(__name__)

S = RosterJobStatus
UPLOAD_DIR = "roster-uploads"
# Uploads and unconfirmed jobs older than this are deleted; so is an import stuck this long (its
# worker died: nothing was written) marked failed.
UPLOAD_MAX_AGE = dt.timedelta(days=1)
# Finished jobs (their counts and error reports) are kept this long; the audit log keeps the rest.
FINISHED_MAX_AGE = dt.timedelta(days=30)
PROGRESS_TTL = 3600

# The one door for status moves: {from: {to: audit action}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    S.QUEUED: {S.VALIDATING: "validate"},
    S.VALIDATING: {S.READY: "ready", S.FAILED: "fail"},
    S.READY: {S.IMPORTING: "import"},
    S.IMPORTING: {S.DONE: "done", S.FAILED: "fail"},
    S.DONE: {},
    S.FAILED: {},
}
FINISHED = {S.DONE, S.FAILED}


class JobLost(Exception):
    """The job moved on under a running import (expired by the cleanup): the import is undone."""


def roster_job_move(*, job: RosterImportJob, to: str, by: User | None = None, **fields: Any) -> bool:
    """Move ``job`` from the status it was loaded with to ``to``, with ``fields`` saved alongside.

    The move is a conditional update: of two workers holding the same job, one wins (True) and the
    other changes nothing (False). A move the transition table does not allow raises ValidationError.
    """
    current = job.status
    allowed = TRANSITIONS.get(current, {})
    if to not in allowed:
        possible = join_list(S(s).label for s in allowed) or _("无")
        raise ValidationError(
            _("名册导入任务当前为“%(now)s”，不能改为“%(to)s”（可改为：%(possible)s）。")
            % {"now": S(current).label, "to": S(to).label, "possible": possible},
            code="invalid_transition",
        )
    now = timezone.now()
    values: dict[str, Any] = {"status": to, "updated_at": now, **fields}
    if to in FINISHED:
        values.setdefault("finished_at", now)
    with transaction.atomic():
        if not RosterImportJob.objects.filter(pk=job.pk, status=current).update(**values):
            return False
        after: dict[str, Any] = {"status": to}
        if to in {S.READY, S.DONE, S.FAILED}:
            after |= {"errors": values.get("error_count", job.error_count), "counts": values.get("counts", job.counts)}
        audit_record(
            actor=by,
            action=f"orgs.roster_job.{allowed[to]}",
            obj=job,
            before={"status": current},
            after=after,
            note=values.get("message", "")[:500],
            unit_path=job.scope_path or "",
        )
    for name, value in values.items():
        setattr(job, name, value)
    return True


# --- upload ---------------------------------------------------------------------------------------


def _store_upload(upload: File) -> str:
    """Save the upload under a random name; returns its path relative to MEDIA_ROOT."""
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = secrets.token_urlsafe(24)
    with (folder / name).open("xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return f"{UPLOAD_DIR}/{name}"


def _discard_upload(job: RosterImportJob) -> None:
    """Delete the job's file once nothing will read it again."""
    if not job.upload_path:
        return
    upload_file(job).unlink(missing_ok=True)
    RosterImportJob.objects.filter(pk=job.pk).update(upload_path="")
    job.upload_path = ""


def roster_job_create(*, upload: File, filename: str, under: Unit | None, by: User) -> RosterImportJob:
    """Keep the uploaded roster and queue its check (a dry run) in the background."""
    require_roster_import(by, under)
    upload_path = _store_upload(upload)
    from .tasks import cleanup_roster_uploads, roster_job_validate

    with transaction.atomic():
        job = RosterImportJob.objects.create(
            created_by=by,
            unit=under,
            filename=Path(filename).name[:200],
            upload_path=upload_path,
            language=get_language() or "",
        )
        audit_record(
            actor=by,
            action="orgs.roster_job.create",
            obj=job,
            after={"status": job.status, "file": job.filename, "unit": under.pk if under else None},
            note=job.filename,
            unit_path=job.scope_path or "",
        )
        transaction.on_commit(lambda: roster_job_validate.delay(job_id=job.pk))
        # No beat runs in the embedded set-up: each upload also clears what has expired.
        transaction.on_commit(lambda: cleanup_roster_uploads.delay())
    return job


# --- progress -------------------------------------------------------------------------------------


class JobProgress:
    """The importer's progress callback: the phase and rows done, kept on the job and in the cache.

    The cache copy is what a poll sees while the import's transaction (which also holds the job row's
    updates) is still open.
    """

    def __init__(self, job: RosterImportJob) -> None:
        self.job = job
        self.file_rows = job.rows_total  # known once the check has read the whole file
        self.rows = 0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if phase == "read" and total is None:
            total = self.file_rows
        if phase == "validate":
            self.rows = done
        values = {"phase": phase, "rows_done": done, "rows_total": total}
        cache.set(progress_key(self.job.pk), values, PROGRESS_TTL)
        RosterImportJob.objects.filter(pk=self.job.pk).update(updated_at=timezone.now(), **values)

    def finished(self) -> dict[str, Any]:
        """The fields that close the progress: every row of the file processed."""
        cache.delete(progress_key(self.job.pk))
        rows = self.rows or self.file_rows or 0
        return {"phase": "", "rows_done": rows, "rows_total": rows}


def _report_fields(report: ImportReport) -> dict[str, Any]:
    """The report as stored on the job: counts, the per-row errors and the preview rows."""
    return {
        "counts": report.counts(),
        "error_count": report.error_count,
        "errors": [vars(e).copy() for e in report.errors],
        "preview": {
            UNITS: [vars(r).copy() for r in report.preview_units],
            PEOPLE: [vars(r).copy() for r in report.preview_people],
        },
    }


def _load(job_id: int, status: str) -> RosterImportJob | None:
    job = RosterImportJob.objects.select_related("unit", "created_by", "confirmed_by").filter(pk=job_id).first()
    return job if job is not None and job.status == status else None


def _missing_file() -> str:
    return _("上传的文件已不存在（超过一天未确认的文件会自动删除），未写入任何数据。请重新上传。")


# --- the check (dry run) --------------------------------------------------------------------------


def roster_job_check(*, job_id: int) -> bool:
    """Check a queued job's file (a dry run) and leave the counts, preview and errors for confirmation.

    Returns False when the job is not queued (already checked, or taken by another worker).
    """
    job = _load(job_id, S.QUEUED)
    if job is None or not roster_job_move(job=job, to=S.VALIDATING, by=job.created_by):
        return False
    progress = JobProgress(job)
    with translation.override(job.language or None):
        message, report = "", None
        path = upload_file(job)
        if not job.upload_path or not path.is_file():
            message = _missing_file()
        else:
            try:
                report = roster_import(
                    path=path,
                    filename=job.filename,
                    under=job.unit,
                    by=job.created_by,
                    dry_run=True,
                    progress=progress,
                )
            except PermissionDenied as exc:
                message = str(exc)
            except Exception:
                logger.exception("roster job %s: the check failed", job.pk)
                message = _("检查文件时出错，未写入任何数据。请确认文件能在 Excel/WPS 中正常打开后重新上传。")
        if report is None:
            roster_job_move(job=job, to=S.FAILED, by=job.created_by, message=message, **progress.finished())
            _discard_upload(job)
            return True
        roster_job_move(job=job, to=S.READY, by=job.created_by, **_report_fields(report), **progress.finished())
    if not report.ok:
        _discard_upload(job)  # nothing to confirm: the office fixes the file and uploads it again
    return True


# --- confirmation and the import ------------------------------------------------------------------


def roster_job_confirm(*, job: RosterImportJob, by: User) -> bool:
    """Confirm a checked job and queue its import. Confirming again (a second click, a job already
    imported) queues nothing more and returns False."""
    if job.confirmed_at is not None:
        return False
    if job.status != S.READY:
        raise ValidationError(
            _("这份名册当前为“%(status)s”，不能确认导入。") % {"status": S(job.status).label}, code="not_ready"
        )
    if job.error_count:
        raise ValidationError(_("这份名册未通过检查，不能导入：请按错误报告修改文件后重新上传。"), code="has_errors")
    require_roster_import(by, job.unit)
    from .tasks import roster_job_import

    now = timezone.now()
    with transaction.atomic():
        claimed = RosterImportJob.objects.filter(
            pk=job.pk, status=S.READY, error_count=0, confirmed_at__isnull=True
        ).update(confirmed_at=now, confirmed_by=by, updated_at=now)
        if not claimed:
            return False
        audit_record(
            actor=by,
            action="orgs.roster_job.confirm",
            obj=job,
            after={"status": job.status, "confirmed": True},
            note=job.filename,
            unit_path=job.scope_path or "",
        )
        transaction.on_commit(lambda: roster_job_import.delay(job_id=job.pk))
    job.confirmed_at, job.confirmed_by, job.updated_at = now, by, now
    return True


def roster_job_run(*, job_id: int) -> bool:
    """Import a confirmed job's file, all or nothing. The job becomes "done" in the import's own
    transaction; returns False when the job was not waiting for its import (already run, or taken)."""
    job = _load(job_id, S.READY)
    if job is None or job.confirmed_at is None or job.error_count:
        return False
    by = job.confirmed_by
    if not roster_job_move(job=job, to=S.IMPORTING, by=by, phase="", rows_done=0):
        return False
    progress = JobProgress(job)

    def mark_done(report: ImportReport) -> None:
        fields = _report_fields(report) | progress.finished() | {"upload_path": ""}
        if not roster_job_move(job=job, to=S.DONE, by=by, **fields):
            raise JobLost

    with translation.override(job.language or None):
        message, report = "", None
        path = upload_file(job)
        if not job.upload_path or not path.is_file():
            message = _missing_file()
        else:
            try:
                report = roster_import(
                    path=path, filename=job.filename, under=job.unit, by=by, progress=progress, on_written=mark_done
                )
            except JobLost:
                return False
            except PermissionDenied as exc:
                message = str(exc)
            except Exception:
                logger.exception("roster job %s: the import failed", job.pk)
                message = _("导入时出错，未写入任何数据。请稍后重新上传同一文件。")
        if report is not None and report.written:
            path.unlink(missing_ok=True)
            return True
        fields: dict[str, Any] = progress.finished() | {"message": message}
        if report is not None:
            fields |= _report_fields(report)
            fields["message"] = _("导入前再次检查时发现问题（检查之后数据有变化），未写入任何数据。")
        roster_job_move(job=job, to=S.FAILED, by=by, **fields)
    _discard_upload(job)
    return True


# --- expiry ---------------------------------------------------------------------------------------


def roster_uploads_cleanup(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete uploads and unconfirmed jobs older than a day, and finished jobs older than 30 days;
    mark an import stuck for a day failed (its worker died, so nothing was written).

    Idempotent: a second run finds nothing more to do. Returns how many of each it handled.
    """
    now = now or timezone.now()
    cutoff = now - UPLOAD_MAX_AGE
    interrupted = 0
    for job in RosterImportJob.objects.filter(status=S.IMPORTING, updated_at__lt=cutoff).select_related("unit"):
        message = _("导入中断（超过一天未完成），未写入任何数据。请重新上传。")
        if roster_job_move(job=job, to=S.FAILED, message=message, phase=""):
            _discard_upload(job)
            interrupted += 1
    unconfirmed = RosterImportJob.objects.filter(created_at__lt=cutoff, status__in=[S.QUEUED, S.VALIDATING, S.READY])
    with transaction.atomic():
        uploads = [p for p in unconfirmed.values_list("upload_path", flat=True) if p]
        expired, _by_model = unconfirmed.delete()
        finished, _by_model = RosterImportJob.objects.filter(finished_at__lt=now - FINISHED_MAX_AGE).delete()
        if expired or finished or interrupted:
            audit_record(
                actor=None,
                action="orgs.roster_job.cleanup",
                object_type=RosterImportJob._meta.label,
                object_repr="—",
                after={"expired": expired, "finished": finished, "interrupted": interrupted},
            )
    folder = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    files = 0
    for relative in uploads:
        path = Path(settings.MEDIA_ROOT) / relative
        if path.is_file():
            path.unlink(missing_ok=True)
            files += 1
    if folder.is_dir():
        # Files left behind (an upload whose job was never saved, a worker that died after the import)
        in_use = set(RosterImportJob.objects.exclude(upload_path="").values_list("upload_path", flat=True))
        for item in folder.iterdir():
            if (
                item.is_file()
                and f"{UPLOAD_DIR}/{item.name}" not in in_use
                and item.stat().st_mtime < cutoff.timestamp()
            ):
                item.unlink(missing_ok=True)
                files += 1
    return {"expired": expired, "finished": finished, "interrupted": interrupted, "files": files}
