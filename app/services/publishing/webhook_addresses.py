"""Which addresses a webhook may post to: public ones only.

A webhook is a request this server makes to an address a visitor typed, so
without this check anyone with an account could make it post to the
database, the cloud's metadata service or anything else on the private
network (server-side request forgery). Refused: private, loopback,
link-local, multicast, reserved, unspecified and every other non-global
address, IPv4 and IPv6 (an IPv4-mapped IPv6 address is judged as its IPv4
address). Loopback alone can be allowed, for tests and local receivers.

`resolve_public` resolves the host at send time and refuses it if ANY of
its addresses is refused; the caller then connects to the address checked
here, so a second lookup cannot answer otherwise (DNS rebinding).
"""

import ipaddress
import socket
from collections.abc import Callable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class AddressRefusedError(Exception):
    """The host is, or resolves to, an address webhooks may not post to."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def refusal(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why a webhook may not post to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else f"{address} is a loopback address"
    for kind, flagged in (
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if flagged:
            return f"{address} is a {kind} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def refusal_for_literal_host(host: str, *, allow_loopback: bool) -> None:
    """Refuse a host that is itself an address, or a name for this machine, that is not allowed.

    Names are left for the check at send time.
    """
    if host.lower().rstrip(".") in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        if allow_loopback:
            return
        raise AddressRefusedError(f"{host} is this server itself")
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return
    reason = refusal(address, allow_loopback=allow_loopback)
    if reason:
        raise AddressRefusedError(f"Refused: {reason}.")


def resolve_public(
    host: str, port: int, *, allow_loopback: bool, resolver: Resolver = system_resolver
) -> IPAddress:
    """The address to connect to for `host`: all its addresses checked, the first returned."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        found = [str(literal)]
    except ValueError:
        try:
            found = resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise AddressRefusedError(f"{host} could not be resolved: {error}") from error
    if not found:
        raise AddressRefusedError(f"{host} resolves to no address")
    addresses = [ipaddress.ip_address(text.partition("%")[0]) for text in found]
    for address in addresses:
        reason = refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise AddressRefusedError(f"Refused: {host} resolves to {reason}")
    return addresses[0]
