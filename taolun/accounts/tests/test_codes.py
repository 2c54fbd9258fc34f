"""Sign-in codes: addresses, sending and its limits, checking, and the citizen login they lead to."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import require_postgres
from taolun.accounts import codes
from taolun.accounts.codes import citizen_for_target, code_check, code_send, normalise_target
from taolun.accounts.models import CodeChannel, OneTimeCode, Role, RoleAssignment, User
from taolun.accounts.selectors import has_role
from taolun.core import ratelimit, sms
from taolun.core.models import AuditEntry
from taolun.orgs.masking import mask_email
from tests.concurrency import race
from tests.factories import UserFactory

PHONE = CodeChannel.PHONE
EMAIL = CodeChannel.EMAIL


@pytest.fixture(autouse=True)
def _sms_to_outbox(settings):
    settings.SMS_BACKEND = "taolun.core.sms.LocmemSmsBackend"
    settings.TAOLUN_SITE_NAME = "讨论"
    settings.ACCOUNT_CODE_TTL_SECONDS = 600
    settings.ACCOUNT_CODE_RESEND_SECONDS = 60
    settings.ACCOUNT_CODE_TARGET_LIMIT = 5
    settings.ACCOUNT_CODE_ADDRESS_LIMIT = 20
    settings.ACCOUNT_CODE_MAX_ATTEMPTS = 5
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def messages(error: ValidationError, field: str) -> str:
    return " ".join(error.message_dict[field])


def sent_code(text: str) -> str:
    return re.search(r"验证码(?:是|：)\s*(\d{6})", text).group(1)


def send(capture, channel=PHONE, target="13812345678", ip="10.0.0.1") -> str:
    """Send a code and commit; the code as the person receives it."""
    with capture(execute=True):
        code_send(channel=channel, target=target, ip=ip)
    return sent_code(sms.outbox[-1].text)


def resend_window_passes(channel, target) -> None:
    """What a minute's wait does to the resend limit (the hourly counts stay)."""
    ratelimit.reset(codes.RESEND_SCOPE, f"{channel}:{target}")


# --- addresses ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ["13812345678", " 138 1234 5678 ", "138-1234-5678", "+86 138 1234 5678", "+8613812345678", "008613812345678",
     "１３８１２３４５６７８"],
)  # fmt: skip
def test_phone_numbers_are_reduced_to_their_eleven_digits(raw):
    assert normalise_target(PHONE, raw) == "13812345678"


@pytest.mark.parametrize(
    "raw", ["", "1381234567", "138123456789", "12812345678", "23812345678", "+85213812345678", "86 13812345678",
            "1381234567x", "zhang@example.org"],
)  # fmt: skip
def test_bad_phone_numbers_are_refused_in_words(raw):
    with pytest.raises(ValidationError) as refusal:
        normalise_target(PHONE, raw)
    assert "请输入正确的手机号" in messages(refusal.value, "target")


def test_email_addresses_are_trimmed_and_lower_cased():
    assert normalise_target(EMAIL, "  Zhang.San@Example.ORG ") == "zhang.san@example.org"


@pytest.mark.parametrize("raw", ["", "zhang", "zhang@", "@example.org", "zhang@@example.org", "zhang@example",
                                 "zhang san@example.org", "a" * 250 + "@example.org"])  # fmt: skip
def test_bad_email_addresses_are_refused_in_words(raw):
    with pytest.raises(ValidationError) as refusal:
        normalise_target(EMAIL, raw)
    assert "电子邮箱地址" in messages(refusal.value, "target")


def test_an_unknown_channel_is_refused():
    with pytest.raises(ValidationError) as refusal:
        normalise_target("fax", "13812345678")
    assert "手机号还是电子邮箱" in messages(refusal.value, "channel")


def test_masks():
    assert mask_email("zhangsan@example.org") == "zh***@example.org"
    assert mask_email("abc@example.org") == "a***@example.org"
    assert mask_email("") == ""


# --- sending ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_text_message_goes_out_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        record = code_send(channel=PHONE, target="+86 138-1234-5678", ip="10.0.0.1")
        assert sms.outbox == []
    assert record.target == "13812345678" and record.ip_address == "10.0.0.1"
    for callback in callbacks:
        callback()
    assert [m.to for m in sms.outbox] == ["13812345678"]
    text = sms.outbox[0].text
    assert re.fullmatch(r"【讨论】您的验证码是 \d{6}，10 分钟内有效。请勿告诉他人。", text), text


@pytest.mark.django_db
def test_a_code_goes_out_by_email(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        record = code_send(channel=EMAIL, target="Zhang@Example.org")
    assert record.target == "zhang@example.org"
    assert sms.outbox == []
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["zhang@example.org"]
    code = sent_code(mail.body)
    assert code in mail.subject and "10 分钟内有效" in mail.body
    code_check(channel=EMAIL, target="ZHANG@example.org", code=code)


@pytest.mark.django_db
def test_only_a_hash_of_the_code_keyed_by_the_secret_key_is_stored(django_capture_on_commit_callbacks, settings):
    code = send(django_capture_on_commit_callbacks)
    record = OneTimeCode.objects.get()
    stored = [str(value) for value in OneTimeCode.objects.values().get().values()]
    assert not any(code in value for value in stored)
    assert re.fullmatch(r"[0-9a-f]{64}", record.code_hash)
    assert record.expires_at == record.created_at + dt.timedelta(seconds=600)
    settings.SECRET_KEY = "another-secret-key-that-is-long-enough-for-hmac-0123456789"
    with pytest.raises(ValidationError) as refusal:
        code_check(channel=PHONE, target="13812345678", code=code)
    assert "验证码不正确" in messages(refusal.value, "code")


@pytest.mark.django_db
def test_codes_differ_from_one_send_to_the_next(django_capture_on_commit_callbacks):
    sent = set()
    for n in range(5):
        sent.add(send(django_capture_on_commit_callbacks, target=f"1381234567{n}"))
    assert len(sent) > 1


@pytest.mark.django_db
def test_asking_again_within_a_minute_is_refused_with_the_wait(django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refusal:
        code_send(channel=PHONE, target="138 1234 5678")
    wait = re.search(r"请在 (\d+) 秒后再试", messages(refusal.value, "target"))
    assert wait and 1 <= int(wait.group(1)) <= 60
    assert OneTimeCode.objects.count() == 1 and len(sms.outbox) == 1


@pytest.mark.django_db
def test_a_target_gets_at_most_the_hourly_number_of_codes(django_capture_on_commit_callbacks, settings):
    settings.ACCOUNT_CODE_TARGET_LIMIT = 3
    for _ in range(3):
        send(django_capture_on_commit_callbacks)
        resend_window_passes(PHONE, "13812345678")
    with pytest.raises(ValidationError) as refusal:
        code_send(channel=PHONE, target="13812345678", ip="10.0.0.2")
    assert re.search(r"请在 (60|59) 分钟后再试", messages(refusal.value, "target"))
    assert OneTimeCode.objects.count() == 3
    send(django_capture_on_commit_callbacks, target="13900001111")  # another number is not held back


@pytest.mark.django_db
def test_one_network_address_asks_for_at_most_the_hourly_number_of_codes(django_capture_on_commit_callbacks, settings):
    settings.ACCOUNT_CODE_ADDRESS_LIMIT = 3
    for n in range(3):
        send(django_capture_on_commit_callbacks, target=f"1390000000{n}", ip="10.0.0.5")
    with pytest.raises(ValidationError) as refusal:
        code_send(channel=EMAIL, target="someone@example.org", ip="10.0.0.5")
    assert "分钟后再试" in messages(refusal.value, "target")
    assert OneTimeCode.objects.count() == 3
    send(django_capture_on_commit_callbacks, target="13900000009", ip="10.0.0.6")
    assert OneTimeCode.objects.count() == 4


# --- checking -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_right_code_works_once(django_capture_on_commit_callbacks):
    code = send(django_capture_on_commit_callbacks)
    code_check(channel=PHONE, target="+86 13812345678", code=f" {code} ")
    assert OneTimeCode.objects.get().used_at is not None
    with pytest.raises(ValidationError) as refusal:
        code_check(channel=PHONE, target="13812345678", code=code)
    assert "已经使用过" in messages(refusal.value, "code")


@pytest.mark.django_db
def test_wrong_codes_count_and_the_code_dies_after_the_last_allowed(django_capture_on_commit_callbacks):
    code = send(django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in [4, 3, 2, 1]:
        with pytest.raises(ValidationError) as refusal:
            code_check(channel=PHONE, target="13812345678", code=wrong)
        assert f"验证码不正确，还可以再试 {left} 次" in messages(refusal.value, "code")
    with pytest.raises(ValidationError) as refusal:
        code_check(channel=PHONE, target="13812345678", code=wrong)
    assert "错误次数过多" in messages(refusal.value, "code")
    assert OneTimeCode.objects.get().attempts == 5
    with pytest.raises(ValidationError) as refusal:
        code_check(channel=PHONE, target="13812345678", code=code)
    assert "错误次数过多" in messages(refusal.value, "code")
    assert OneTimeCode.objects.get().attempts == 5 and OneTimeCode.objects.get().used_at is None


@pytest.mark.django_db
def test_something_that_is_not_six_digits_is_not_counted_as_a_guess(django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks)
    for typed in ["", "12345", "1234567", "abcdef"]:
        with pytest.raises(ValidationError) as refusal:
            code_check(channel=PHONE, target="13812345678", code=typed)
        assert "6 位数字验证码" in messages(refusal.value, "code")
    assert OneTimeCode.objects.get().attempts == 0


@pytest.mark.django_db
def test_an_expired_code_is_refused(django_capture_on_commit_callbacks):
    code = send(django_capture_on_commit_callbacks)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError) as refusal:
        code_check(channel=PHONE, target="13812345678", code=code)
    assert "已过期" in messages(refusal.value, "code")
    assert OneTimeCode.objects.get().used_at is None


@pytest.mark.django_db
def test_a_new_code_supersedes_the_old_one(django_capture_on_commit_callbacks):
    first = send(django_capture_on_commit_callbacks)
    resend_window_passes(PHONE, "13812345678")
    second = send(django_capture_on_commit_callbacks)
    if first != second:
        with pytest.raises(ValidationError) as refusal:
            code_check(channel=PHONE, target="13812345678", code=first)
        assert "验证码不正确" in messages(refusal.value, "code")
    old, new = OneTimeCode.objects.order_by("created_at", "pk")
    assert old.expires_at <= new.created_at
    code_check(channel=PHONE, target="13812345678", code=second)
    new.refresh_from_db()
    assert new.used_at is not None


@pytest.mark.django_db
def test_a_code_is_for_the_target_it_was_sent_to(django_capture_on_commit_callbacks):
    code = send(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as refusal:
        code_check(channel=PHONE, target="13900001111", code=code)
    assert "请先获取验证码" in messages(refusal.value, "code")


# --- the login ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_existing_login_is_found_by_its_phone_number():
    user = UserFactory(phone="13812345678")
    found, created = citizen_for_target(channel=PHONE, target="+86 138 1234 5678")
    assert (found, created) == (user, False)
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_an_existing_login_is_found_by_its_email_address_in_any_case():
    user = UserFactory(email="Zhang.San@Example.org")
    assert citizen_for_target(channel=EMAIL, target="zhang.san@EXAMPLE.org") == (user, False)


@pytest.mark.django_db
def test_a_disabled_login_cannot_sign_in_by_code():
    UserFactory(phone="13812345678", is_active=False)
    with pytest.raises(ValidationError) as refusal:
        citizen_for_target(channel=PHONE, target="13812345678")
    assert "已停用" in messages(refusal.value, "target")


@pytest.mark.django_db
def test_a_number_shared_by_two_logins_is_refused_rather_than_guessed():
    UserFactory(phone="13812345678")
    UserFactory(phone="13812345678")
    with pytest.raises(ValidationError) as refusal:
        citizen_for_target(channel=PHONE, target="13812345678")
    assert "多个账号" in messages(refusal.value, "target")


@pytest.mark.django_db
def test_a_new_phone_number_becomes_a_citizen_without_a_password():
    user, created = citizen_for_target(channel=PHONE, target="138-1234-5678")
    assert created
    assert user.username == "m13812345678"
    assert user.phone == "13812345678" and user.email == ""
    assert user.display_name == "138****5678"
    assert not user.has_usable_password()
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "unit")) == [(Role.CITIZEN, None)]
    assert has_role(user, Role.CITIZEN)
    assert AuditEntry.objects.filter(action="accounts.user.create", object_id=str(user.pk)).count() == 1
    assert AuditEntry.objects.filter(action="accounts.role.assign").count() == 1
    assert citizen_for_target(channel=PHONE, target="13812345678") == (user, False)


@pytest.mark.django_db
def test_a_new_email_address_becomes_a_citizen_with_a_random_username():
    user, created = citizen_for_target(channel=EMAIL, target="Zhang.San@Example.org")
    assert created
    assert re.fullmatch(r"u[0-9a-f]{8}", user.username)
    assert user.email == "zhang.san@example.org" and user.phone == ""
    assert user.display_name == "zh***@example.org"
    assert not user.has_usable_password()
    assert has_role(user, Role.CITIZEN)


@pytest.mark.django_db
def test_a_taken_username_gets_a_suffix():
    UserFactory(username="M13812345678")
    user, created = citizen_for_target(channel=PHONE, target="13812345678")
    assert created and re.fullmatch(r"m13812345678-[0-9a-f]{4}", user.username)


# --- parallel requests (PostgreSQL) -------------------------------------------------------
def send_committed(target: str = "13812345678") -> str:
    """Send a code outside any test transaction: the message goes out as the service commits."""
    code_send(channel=PHONE, target=target)
    return sent_code(sms.outbox[-1].text)


def try_code(code: str) -> Callable[[], str]:
    def run() -> str:
        try:
            code_check(channel=PHONE, target="13812345678", code=code)
        except ValidationError as refusal:
            return messages(refusal, "code")
        return "accepted"

    return run


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_guesses_cannot_exceed_the_allowed_attempts():
    require_postgres()
    code = send_committed()
    wrong = try_code(f"{(int(code) + 1) % 1_000_000:06d}")
    for _round in range(3):
        outcomes = race([wrong for _ in range(12)])
        assert OneTimeCode.objects.get().attempts == 5
        assert sum("还可以再试" in outcome for outcome in outcomes) <= 4
        assert sum("错误次数过多" in outcome for outcome in outcomes) >= 8
        assert all("还可以再试" in outcome or "错误次数过多" in outcome for outcome in outcomes), outcomes
        assert "错误次数过多" in try_code(code)()
        OneTimeCode.objects.update(attempts=0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_right_code_among_parallel_wrong_guesses_counts_only_while_the_code_lives():
    require_postgres()
    for n in range(4):
        target = f"1381234567{n}"
        code = send_committed(target)
        wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"

        def guess(typed: str, target: str = target) -> Callable[[], str]:
            def run() -> str:
                try:
                    code_check(channel=PHONE, target=target, code=typed)
                except ValidationError as refusal:
                    return messages(refusal, "code")
                return "accepted"

            return run

        outcomes = race([guess(wrong_code) for _ in range(8)] + [guess(code)])
        record = OneTimeCode.objects.get(target=target)
        assert record.attempts <= 5
        assert (outcomes[-1] == "accepted") == (record.used_at is not None), outcomes
        assert "accepted" not in outcomes[:-1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_uses_of_the_right_code_sign_in_once():
    require_postgres()
    code = send_committed()
    outcomes = race([try_code(code) for _ in range(8)])
    assert outcomes.count("accepted") == 1
    assert all("已经使用过" in outcome for outcome in outcomes if outcome != "accepted"), outcomes


@pytest.mark.django_db
def test_staff_accounts_cannot_sign_in_with_a_code(org):
    office = org.user("office")
    office.phone = "13912345678"
    office.save(update_fields=["phone"])
    with pytest.raises(ValidationError) as refused:
        codes.citizen_for_target(channel="phone", target="13912345678")
    assert "密码" in str(refused.value)
    cadre = org.user("cadre")
    cadre.phone = "13712345678"
    cadre.save(update_fields=["phone"])
    assert codes.citizen_for_target(channel="phone", target="13712345678") == (cadre, False)
