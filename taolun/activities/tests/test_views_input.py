"""Bad input through the pages: each refused with a clear message where the user looks, nothing changed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import shared_org
from taolun.activities.models import Activity, Attachment, Attendance, Invitation
from taolun.activities.tests.conftest import at, code_at, image_bytes

pytestmark = pytest.mark.django_db

# Every test starts from the same rows, built once for the module (conftest.shared_org).
globals().update(shared_org(campaign=True))


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def field_error(html: str, field: str) -> str:
    """The error text shown under ``field`` (the form_fields include marks it with the field's id)."""
    found = re.search(rf'id="id_{field}_error"[^>]*>([^<]+)<', html)
    return found.group(1) if found else ""


def create_data(**overrides):
    data = {
        "kind": "seminar",
        "title": "专题研讨会",
        "unit": "S-A",
        "start_at": local(at(hours=1)),
        "end_at": local(at(hours=3)),
        "place": "会议室",
    }
    data.update(overrides)
    return data


def test_end_before_start_is_shown_on_the_end_field_and_nothing_is_created(org, campaign, login):
    client = login(org.user("liaison"))
    response = client.post(
        reverse("activities:create"), create_data(start_at=local(at(hours=3)), end_at=local(at(hours=1)))
    )
    assert response.status_code == 200
    assert field_error(response.content.decode(), "end_at") == "结束时间必须晚于开始时间。"
    assert not Activity.objects.exists()


def test_a_date_outside_the_campaign_is_shown_on_the_start_field(org, campaign, login):
    client = login(org.user("liaison"))
    far = at(days=400)
    response = client.post(
        reverse("activities:create"), create_data(start_at=local(far), end_at=local(far + dt.timedelta(hours=2)))
    )
    assert "活动日期应在大讨论期间" in field_error(response.content.decode(), "start_at")
    assert not Activity.objects.exists()


def test_a_unit_of_another_street_cannot_be_chosen(org, campaign, login):
    client = login(org.user("liaison"))
    response = client.post(reverse("activities:create"), create_data(unit="S-B"))
    assert "不在您的管理范围内" in field_error(response.content.decode(), "unit")
    assert not Activity.objects.exists()


def test_inviting_an_unknown_unit_code_changes_nothing(org, make_activity, login):
    activity = make_activity()
    client = login(org.user("liaison"))
    response = client.post(
        reverse("activities:invite", args=[activity.pk]), {"units": ["S-B"], "include_subunits": "on"}
    )
    assert response.status_code == 200
    assert "S-B" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "kind", "message"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "photo", "这不是可以识别的图片"),
        ("notes.pdf", b"MZ\x90\x00 this is an executable", "document", "文件内容与允许的类型不符"),
    ],
)
def test_disguised_uploads_are_refused_next_to_the_file_field(
    org, make_activity, login, media, name, content, kind, message
):
    activity = make_activity()
    client = login(org.user("liaison"))
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(reverse("activities:attachment_upload", args=[activity.pk]), {"kind": kind, "file": upload})
    assert response.status_code == 400
    assert message in field_error(response.content.decode(), "file")
    assert not Attachment.objects.exists()
    assert not any(media.rglob("*.*"))


def test_an_oversized_upload_is_refused_with_the_limit(org, make_activity, login, media, settings):
    settings.ACTIVITY_MAX_UPLOAD_BYTES = 1024
    activity = make_activity()
    client = login(org.user("liaison"))
    upload = SimpleUploadedFile("big.png", image_bytes("PNG", (400, 400)), content_type="image/png")
    response = client.post(
        reverse("activities:attachment_upload", args=[activity.pk]), {"kind": "photo", "file": upload}
    )
    assert response.status_code == 400
    error = field_error(response.content.decode(), "file")
    assert "超过上限" in error and "1.0\xa0KB" in error
    assert not Attachment.objects.exists()


def test_a_good_photo_is_kept_with_a_thumbnail(org, make_activity, login, media):
    activity = make_activity()
    client = login(org.user("liaison"))
    upload = SimpleUploadedFile("现场.jpg", image_bytes("JPEG", (1200, 900)), content_type="image/jpeg")
    response = client.post(
        reverse("activities:attachment_upload", args=[activity.pk]), {"kind": "photo", "file": upload}
    )
    assert response.status_code == 302
    photo = Attachment.objects.get()
    assert (photo.original_name, photo.content_type) == ("现场.jpg", "image/jpeg")
    assert photo.thumbnail and photo.file.name.endswith(".jpg") and "现场" not in photo.file.name


@pytest.mark.parametrize(
    ("start", "message"),
    [({"hours": 5}, "签到尚未开始"), ({"hours": -6}, "签到已于")],
)
def test_check_in_outside_the_window_is_refused_on_the_phone_page(org, make_activity, invite, login, start, message):
    activity = make_activity(start_at=at(**start))
    invite(activity, org.person_a)
    client = login(org.user("cadre"))
    code = code_at(activity, timezone.now())
    response = client.post(reverse("activities:checkin"), {"a": activity.pk, "code": code})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Attendance.objects.exists()


def test_an_expired_code_is_refused_and_the_current_one_accepted(org, make_activity, invite, login, settings):
    activity = make_activity()
    invite(activity, org.person_a)
    client = login(org.user("cadre"))
    old = code_at(activity, timezone.now() - dt.timedelta(seconds=settings.ACTIVITY_CHECKIN_CODE_SECONDS * 5))
    current = code_at(activity, timezone.now())
    if old != current:
        response = client.post(reverse("activities:checkin"), {"a": activity.pk, "code": old})
        assert response.status_code == 400 and "签到码已过期" in response.content.decode()
        assert not Attendance.objects.exists()
    response = client.post(reverse("activities:checkin"), {"a": activity.pk, "code": current})
    assert response.status_code == 200 and "签到成功" in response.content.decode()
    assert Attendance.objects.filter(activity=activity, person=org.person_a, method="code").count() == 1


def test_someone_not_invited_learns_nothing_about_the_activity(org, make_activity, make_person, login):
    activity = make_activity(title="内部研讨会")
    outsider = make_person(org.community_b, account=True)
    body = login(outsider.user).get(reverse("activities:checkin"), {"a": activity.pk, "c": "123456"}).content.decode()
    assert "内部研讨会" not in body
    assert "不在本次活动的参加人员名单中" in body
    body = login(org.user("citizen")).get(reverse("activities:checkin"), {"a": activity.pk}).content.decode()
    assert "内部研讨会" not in body
    assert "没有关联到在册人员" in body


def test_invite_page_offers_the_units_and_invites_by_unit_and_role(org, make_activity, make_person, login):
    activity = make_activity()
    street_member = make_person(org.street_a, name="街道党员", is_party_member=True)
    client = login(org.user("liaison"))
    page = client.get(reverse("activities:invite", args=[activity.pk])).content.decode()
    assert '<option value="S-A" selected>' in page and '<option value="C-A1">' in page
    assert 'value="S-B"' not in page
    response = client.post(
        reverse("activities:invite", args=[activity.pk]),
        {"units": ["C-A1"], "include_subunits": "on", "roles": ["party_member"]},
    )
    assert response.status_code == 302
    invited = set(Invitation.objects.filter(activity=activity).values_list("person_id", flat=True))
    assert invited == {org.person_a.pk}
    assert street_member.pk not in invited
