import pytest
from django.test import RequestFactory

from taolun.core.middleware import client_ip


@pytest.fixture
def rf():
    return RequestFactory()


def test_without_trusted_proxies_the_socket_peer_is_the_client(rf, settings):
    settings.TRUSTED_PROXIES = []
    request = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "203.0.113.5"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.3")
    assert client_ip(request) == "198.51.100.7"


def test_a_client_cannot_choose_its_address_through_a_forged_header(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    forged = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    assert client_ip(forged) == "198.51.100.7"
    direct = rf.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client_ip(direct) == "198.51.100.9"


def test_garbage_in_the_header_falls_back_to_the_peer(rf, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_ip(request) == "127.0.0.1"
