"""Signing up on the discussion site with a one-time code sent to a phone or a mailbox."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from taolun.accounts.models import OneTimeCode, Role, RoleAssignment, User
from taolun.core import sms
from taolun.discussion.models import Participant

pytestmark = pytest.mark.django_db

SIGNUP = reverse("discussion:signup")
SEND = reverse("discussion:send_code")
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _sms_to_outbox(settings):
    settings.SMS_BACKEND = "taolun.core.sms.LocmemSmsBackend"
    settings.ACCOUNT_CODE_RESEND_SECONDS = 60
    settings.ACCOUNT_CODE_TARGET_LIMIT = 5
    settings.ACCOUNT_CODE_ADDRESS_LIMIT = 20
    settings.ACCOUNT_CODE_MAX_ATTEMPTS = 5
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def code_in(text: str) -> str:
    return re.search(r"验证码(?:是|：)\s*(\d{6})", text).group(1)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Ask for a code as the page's htmx button does; the response and the code as delivered."""

    def _send(channel: str = "phone", target: str = PHONE, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(SEND, {"channel": channel, "target": target}, HTTP_HX_REQUEST="true", **extra)
        return response

    return _send


def signed_in(client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_signup_page_offers_both_channels_and_the_password_login(client, campaign):
    html = client.get(SIGNUP + "?next=/discussion/new/").content.decode()
    assert 'name="channel" value="phone"' in html and 'name="channel" value="email"' in html
    assert f'hx-post="{SEND}"' in html
    assert 'href="/accounts/login/?next=/discussion/new/"' in html
    assert 'value="/discussion/new/"' in html


def test_sign_up_by_phone_with_a_nickname_and_come_back(client, campaign, send):
    response = send()
    html = response.content.decode()
    assert html.startswith('<div id="code-status"')
    assert "138****5678" in html
    assert 'data-cooldown="60"' in html
    assert [message.to for message in sms.outbox] == [PHONE]
    code = code_in(sms.outbox[-1].text)
    response = client.post(
        SIGNUP,
        {"channel": "phone", "target": PHONE, "code": code, "nickname": "幸福路居民", "next": "/discussion/new/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/discussion/new/"
    user = signed_in(client)
    assert user is not None and user.phone == PHONE
    assert RoleAssignment.objects.filter(user=user, role=Role.CITIZEN).exists()
    assert Participant.objects.get(user=user).nickname == "幸福路居民"
    assert client.get("/discussion/new/").status_code == 200


def test_sign_up_by_email_takes_a_default_nickname(client, campaign, send, mailoutbox):
    send(channel="email", target="Resident@Example.org")
    assert mailoutbox[-1].to == ["resident@example.org"]
    code = code_in(mailoutbox[-1].body)
    response = client.post(SIGNUP, {"channel": "email", "target": "resident@example.org", "code": code})
    assert response["Location"] == reverse("discussion:index")
    user = signed_in(client)
    assert user.email == "resident@example.org"
    assert Participant.objects.get(user=user).nickname == "re***@example.org"


def test_a_wrong_code_is_refused_next_to_the_code(client, campaign, send):
    send()
    wrong = "000000" if code_in(sms.outbox[-1].text) != "000000" else "111111"
    response = client.post(SIGNUP, {"channel": "phone", "target": PHONE, "code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["验证码不正确，还可以再试 4 次。"]
    assert 'id="id_code_error"' in response.content.decode()
    assert signed_in(client) is None
    response = client.post(SIGNUP, {"channel": "phone", "target": "13900000000", "code": "123456"})
    assert response.context["form"].errors["code"] == ["请先获取验证码。"]


def test_a_bad_address_and_a_second_code_too_soon_are_explained(client, campaign, send):
    response = send(target="12345")
    assert "请输入正确的手机号" in response.content.decode()
    assert sms.outbox == []
    send()
    response = send()
    assert "发送过于频繁，请在" in response.content.decode()
    assert len(sms.outbox) == 1


def test_without_script_sending_a_code_shows_the_page_again_with_the_address_kept(
    client, campaign, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            SEND, {"channel": "phone", "target": PHONE, "nickname": "老王", "next": "/discussion/me/"}
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "验证码已发送至 138****5678" in html
    assert f'value="{PHONE}"' in html
    assert 'value="老王"' in html
    assert 'value="/discussion/me/"' in html
    response = client.post(SEND, {"channel": "phone", "target": "abc"})
    assert response.status_code == 400
    assert "请输入正确的手机号" in response.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"])
def test_an_outside_next_is_not_followed(client, campaign, send, target):
    send()
    code = code_in(sms.outbox[-1].text)
    response = client.post(SIGNUP, {"channel": "phone", "target": PHONE, "code": code, "next": target})
    assert response["Location"] == reverse("discussion:index")
    html = client.get(SIGNUP + "?next=" + target).content.decode()
    assert '<input type="hidden" name="next" value="/discussion/" id="id_next">' in html
    assert 'href="/accounts/login/?next=/discussion/"' in html


def test_an_existing_participant_may_take_a_new_nickname(client, org, campaign, citizen, send):
    User.objects.filter(pk=citizen.pk).update(phone=PHONE)
    send()
    code = code_in(sms.outbox[-1].text)
    client.post(SIGNUP, {"channel": "phone", "target": PHONE, "code": code, "nickname": "换个昵称"})
    assert signed_in(client) == citizen
    assert Participant.objects.get(user=citizen).nickname == "换个昵称"


def test_a_nickname_with_a_screened_word_is_refused_before_the_code_is_used(client, campaign, send, words):
    words("违禁词")
    send()
    code = code_in(sms.outbox[-1].text)
    response = client.post(SIGNUP, {"channel": "phone", "target": PHONE, "code": code, "nickname": "违禁词网友"})
    assert response.context["form"].errors["nickname"] == ["昵称含有不宜使用的词语，请换一个。"]
    assert OneTimeCode.objects.get().used_at is None
    response = client.post(SIGNUP, {"channel": "phone", "target": PHONE, "code": code, "nickname": "好网友"})
    assert response.status_code == 302
    assert Participant.objects.get(user=signed_in(client)).nickname == "好网友"


def test_staff_accounts_are_sent_to_the_password_login(client, org, campaign, send):
    User.objects.filter(pk=org.user("office").pk).update(phone=PHONE)
    send()
    code = code_in(sms.outbox[-1].text)
    response = client.post(SIGNUP, {"channel": "phone", "target": PHONE, "code": code})
    assert "请使用用户名和密码登录" in str(response.context["form"].errors["target"])
    assert signed_in(client) is None
