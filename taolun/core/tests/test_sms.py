import io
import logging

import pytest

from taolun.core import sms


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def test_send_sms_uses_the_backend_named_in_settings(settings):
    settings.SMS_BACKEND = "taolun.core.sms.LocmemSmsBackend"
    assert sms.send_sms("13812345678", "您的验证码是 123456") == 1
    assert sms.outbox == [sms.SmsMessage(to="13812345678", text="您的验证码是 123456")]


def test_the_console_backend_is_the_default(settings):
    del settings.SMS_BACKEND
    assert type(sms.get_backend()) is sms.ConsoleSmsBackend


def test_the_console_backend_prints_each_message_with_a_prefix_and_logs_it(caplog):
    stream = io.StringIO()
    backend = sms.get_backend("taolun.core.sms.ConsoleSmsBackend", stream=stream)
    messages = [sms.SmsMessage("13812345678", "第一条"), sms.SmsMessage("13987654321", "第二条")]
    with caplog.at_level(logging.INFO, logger="taolun.core.sms"):
        assert backend.send_messages(messages) == 2
    assert stream.getvalue().splitlines() == ["[SMS] to 13812345678: 第一条", "[SMS] to 13987654321: 第二条"]
    assert [r.getMessage() for r in caplog.records] == ["[SMS] to 13812345678: 第一条", "[SMS] to 13987654321: 第二条"]
    assert sms.outbox == []


def test_the_console_backend_writes_to_standard_output_by_default(settings, capsys):
    settings.SMS_BACKEND = "taolun.core.sms.ConsoleSmsBackend"
    assert sms.send_sms("13812345678", "您的验证码是 654321") == 1
    assert "[SMS] to 13812345678: 您的验证码是 654321" in capsys.readouterr().out


def test_a_provider_plugs_in_by_subclassing_the_base_backend(settings):
    class Refusing(sms.BaseSmsBackend):
        def send_messages(self, messages):
            if self.fail_silently:
                return 0
            raise ConnectionError("gateway down")

    with pytest.raises(ConnectionError):
        Refusing().send_messages([sms.SmsMessage("13812345678", "x")])
    assert Refusing(fail_silently=True).send_messages([sms.SmsMessage("13812345678", "x")]) == 0
    with pytest.raises(NotImplementedError):
        sms.BaseSmsBackend().send_messages([])
