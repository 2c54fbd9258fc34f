"""Evidence (佐证材料): checked by its bytes, stored under a random name, removed from storage when the
record is not kept, and frozen once the problem is done."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import shared_org
from taolun.activities.tests.conftest import media  # noqa: F401
from taolun.core.models import AuditEntry
from taolun.problems import services
from taolun.problems.models import EvidenceFile, ProblemStatus

from .helpers import PDF_BYTES, disguised, entries, pdf, png, stored_files, walk

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


@pytest.fixture
def rectifying(make_problem):
    return walk(make_problem, ProblemStatus.RECTIFYING)


def test_a_document_is_kept_with_its_real_type_and_audited(org, rectifying):
    item = services.evidence_add(problem=rectifying, upload=pdf(), caption="  验收报告 ", by=org.user("owner"))
    assert (item.original_name, item.content_type, item.size, item.caption) == (
        "证明.pdf",
        "application/pdf",
        len(PDF_BYTES),
        "验收报告",
    )
    assert item.uploaded_by == org.user("owner") and item.measure is None
    assert item.file.name.startswith(f"problems/{rectifying.pk}/") and "证明" not in item.file.name
    with item.file.open("rb") as stored:
        assert stored.read() == PDF_BYTES
    assert not item.is_image and not item.thumbnail
    (entry,) = entries(rectifying, "problems.evidence.add")
    assert entry.after == {"id": item.pk, "name": "证明.pdf", "type": "application/pdf", "size": len(PDF_BYTES)}
    assert len(stored_files()) == 1


def test_an_image_gets_a_thumbnail(rectifying):
    item = services.evidence_add(problem=rectifying, upload=png(), by=None)
    assert item.is_image and item.thumbnail.name.endswith(".jpg")
    assert len(stored_files()) == 2


def test_evidence_of_a_measure_must_be_of_the_problem(make_problem, rectifying):
    other = make_problem(confirmed=True)
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(problem=rectifying, upload=pdf(), measure=other.measures.get(), by=None)
    assert "measure" in caught.value.message_dict
    assert EvidenceFile.objects.count() == 0 and stored_files() == []
    item = services.evidence_add(problem=rectifying, upload=pdf(), measure=rectifying.measures.get(), by=None)
    assert item.measure == rectifying.measures.get()


BAD_FILES = {
    "program-as-pdf": lambda: disguised(),
    "program-as-jpg": lambda: disguised("现场.jpg"),
    "text-as-docx": lambda: SimpleUploadedFile("报告.docx", "整改报告".encode(), content_type="application/msword"),
    "empty": lambda: SimpleUploadedFile("空.pdf", b"", content_type="application/pdf"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_and_nothing_is_stored(rectifying, kind):
    upload = BAD_FILES[kind]()
    audit = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(problem=rectifying, upload=upload, by=None)
    assert "file" in caught.value.message_dict
    assert EvidenceFile.objects.count() == 0 and stored_files() == []
    assert AuditEntry.objects.count() == audit


def test_an_oversized_file_is_refused(rectifying, settings):
    settings.ACTIVITY_MAX_UPLOAD_BYTES = len(PDF_BYTES) - 1
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(problem=rectifying, upload=pdf(), by=None)
    assert "file" in caught.value.message_dict
    assert stored_files() == []


def test_a_failed_transaction_takes_the_written_files_with_it(rectifying, monkeypatch):
    def audit_fails(problem, action, by, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "problem_audit", audit_fails)
    with pytest.raises(RuntimeError):
        services.evidence_add(problem=rectifying, upload=png(), by=None)
    assert EvidenceFile.objects.count() == 0
    assert stored_files() == []  # neither the image nor its thumbnail stayed behind


@pytest.mark.parametrize("status", [ProblemStatus.CLOSED, ProblemStatus.DISMISSED])
def test_no_evidence_is_added_to_a_closed_or_dismissed_problem(make_problem, status):
    problem = walk(make_problem, status)
    count = EvidenceFile.objects.count()
    files = stored_files()
    with pytest.raises(ValidationError):
        services.evidence_add(problem=problem, upload=pdf(), by=None)
    assert EvidenceFile.objects.count() == count
    assert stored_files() == files


def test_owners_and_managers_add_evidence_others_do_not(org, rectifying, make_problem):
    services.evidence_add(problem=rectifying, upload=pdf(), by=org.user("owner"))
    services.evidence_add(problem=rectifying, upload=pdf(), by=org.user("liaison"))
    for role in ("liaison_b", "cadre", "citizen"):
        with pytest.raises(PermissionDenied):
            services.evidence_add(problem=rectifying, upload=pdf(), by=org.user(role))
    assert EvidenceFile.objects.count() == 2
    assert len(stored_files()) == 2


def test_deleting_evidence_removes_the_file_after_commit(org, rectifying, django_capture_on_commit_callbacks):
    item = services.evidence_add(problem=rectifying, upload=png(), by=None)
    pk = item.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(item=item, by=org.user("liaison"))
    assert not EvidenceFile.objects.filter(pk=pk).exists()
    assert stored_files() == []
    (entry,) = entries(rectifying, "problems.evidence.delete")
    assert entry.before == {"id": pk, "name": "现场.png"}


def test_owners_cannot_delete_evidence(org, rectifying):
    item = services.evidence_add(problem=rectifying, upload=pdf(), by=org.user("owner"))
    with pytest.raises(PermissionDenied):
        services.evidence_delete(item=item, by=org.user("owner"))
    assert EvidenceFile.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("status", [ProblemStatus.DONE, ProblemStatus.CLOSED])
def test_the_evidence_of_a_done_problem_stays(make_problem, status):
    problem = walk(make_problem, status)
    item = problem.evidence.get()
    with pytest.raises(ValidationError):
        services.evidence_delete(item=item, by=None)
    assert EvidenceFile.objects.filter(pk=item.pk).exists()
    assert len(stored_files()) == 1
