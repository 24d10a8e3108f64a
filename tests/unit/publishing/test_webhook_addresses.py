"""Which addresses webhooks may post to, and which addresses may be added at all."""

import ipaddress

import httpx
import pytest

from app.services.publishing.webhook_addresses import (
    AddressRefusedError,
    refusal,
    resolve_public,
)
from app.services.publishing.webhook_delivery import send, signature
from app.services.publishing.webhooks import WebhookError, clean_url


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 - an address judged, not bound
        ("240.0.0.1", "reserved"),
        ("fc00::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("100.64.0.1", "not a public"),
    ],
)
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    reason = refusal(ipaddress.ip_address(address), allow_loopback=False)

    assert reason is not None and kind in reason


def test_public_addresses_pass_and_loopback_only_when_allowed() -> None:
    assert refusal(ipaddress.ip_address("93.184.216.34"), allow_loopback=False) is None
    assert refusal(ipaddress.ip_address("2606:4700::1111"), allow_loopback=False) is None
    assert refusal(ipaddress.ip_address("127.0.0.1"), allow_loopback=True) is None
    assert refusal(ipaddress.ip_address("10.0.0.1"), allow_loopback=True) is not None


def test_a_name_is_refused_if_any_of_its_addresses_is_not_public() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    with pytest.raises(AddressRefusedError, match=r"10\.0\.0\.7 is a private address"):
        resolve_public("hooks.example.com", 443, allow_loopback=True, resolver=resolver)


def test_a_public_name_resolves_to_its_first_address() -> None:
    found = resolve_public(
        "hooks.example.com", 443, allow_loopback=False, resolver=lambda h, p: ["93.184.216.34"]
    )

    assert str(found) == "93.184.216.34"


def test_an_unresolvable_name_is_refused() -> None:
    def resolver(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(AddressRefusedError, match="could not be resolved"):
        resolve_public("nowhere.invalid", 443, allow_loopback=False, resolver=resolver)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the address"),
        ("http://hooks.example.com/x", "must start with https://"),
        ("ftp://hooks.example.com/x", "must start with https://"),
        ("https:///x", "names no host"),
        ("https://user:pw@hooks.example.com/", "user names and passwords"),
        ("https://10.0.0.1/hook", "private address"),
        ("https://[::1]/hook", "loopback"),
        ("https://localhost/hook", "this server itself"),
        ("https://hooks.example.com:99999/", "not a web address"),
        ("https://example.com/" + "x" * 500, "longer than 500"),
    ],
)
def test_addresses_refused_when_added(url: str, message: str) -> None:
    with pytest.raises(WebhookError, match=message):
        clean_url(url, allow_loopback=False)


def test_https_addresses_are_kept_and_http_loopback_only_when_allowed() -> None:
    assert clean_url(" https://hooks.example.com/in?x=1 ", allow_loopback=False) == (
        "https://hooks.example.com/in?x=1"
    )
    assert clean_url("http://127.0.0.1:9000/hook", allow_loopback=True)
    with pytest.raises(WebhookError, match="private"):
        clean_url("http://192.168.0.2/hook", allow_loopback=True)


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    # printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expected = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"

    assert signature("whsec_test", 1_700_000_000, b'{"a":1}') == (f"t=1700000000,sha256={expected}")


def test_a_send_goes_to_the_checked_address_with_the_names_host_and_sni() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        outcome = send(
            client=client,
            url="https://hooks.example.com:8443/in?x=1",
            body=b"{}",
            headers={"X-Test": "1"},
            allow_loopback=False,
            resolver=lambda host, port: ["2606:4700::1111", "93.184.216.34"],
        )

    [request] = seen
    assert outcome.delivered and outcome.status_code == 204
    assert str(request.url) == "https://[2606:4700::1111]:8443/in?x=1"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"


def test_a_redirect_is_not_followed_and_counts_as_a_failure() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/"})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        outcome = send(
            client=client,
            url="https://hooks.example.com/in",
            body=b"{}",
            headers={},
            allow_loopback=False,
            resolver=lambda host, port: ["93.184.216.34"],
        )

    assert not outcome.delivered
    assert outcome.error == "answered HTTP 302"
