"""What a workload costs at one price row: the pure core of the cost calculator.

No I/O and no rounding: every figure is an exact `Decimal`, computed in a
context wide enough that a billion requests a day of a ten-million-token
prompt stay exact. Pages round only when they print (`formatting.money`).

How a request is billed, component by component (prices per 1M tokens):

- Input is the whole prompt. The cache share of it is billed at the cache-read
  price and the cache-write share at the cache-write price; the rest at the
  input price. A provider with no cache price known is taken to have no cache:
  those tokens are billed at the input price, and the component says so.
- Output is the visible answer. Reasoning tokens are the hidden thinking on
  top of it, billed at the reasoning price where the provider has one and at
  the output price otherwise; they are never counted as output as well.
- A per-request fee is charged only by the few providers that list one, so a
  missing fee means no fee.
- Once a request's input exceeds the long-context threshold, the whole request
  is billed at the long-context prices (genai-prices' "cliff" model); a
  component without a long-context price keeps its regular price.
- Input and output prices have no such fallback: when a component the workload
  uses has no known price, its cost and the total are None ("not known"), never
  a smaller number that looks like a real bill.

Which price row applies (standard or batch tier) is the caller's choice; the
row's `tier` is carried through so the page can say which one it used.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from functools import cached_property
from typing import Literal

MILLION = Decimal(1_000_000)
HUNDRED = Decimal(100)
# Digits kept by every computation here; far more than the largest product of
# bounded inputs needs (see workload.py), so no intermediate result is rounded.
PRECISION = 60

RequestPeriod = Literal["day", "month"]

COMPONENT_LABELS = {
    "input": "Uncached input",
    "cache_read": "Cached input (read)",
    "cache_write": "Cache writes",
    "output": "Output",
    "reasoning": "Reasoning",
    "requests": "Per-request fees",
}


@dataclass(frozen=True)
class Workload:
    """What an application sends: token counts per request and how many requests.

    `requests` counts requests per `per` ("day" or "month"); a month has
    `days` days. Shares are percentages of `input_tokens`.
    """

    requests: int
    input_tokens: int
    output_tokens: int
    per: RequestPeriod = "day"
    cache_share: Decimal = Decimal(0)
    cache_write_share: Decimal = Decimal(0)
    reasoning_tokens: int = 0
    batch: bool = False
    days: int = 30

    def __post_init__(self) -> None:
        counts = (self.requests, self.input_tokens, self.output_tokens, self.reasoning_tokens)
        shares = (self.cache_share, self.cache_write_share)
        if min(counts) < 0 or self.days < 1 or self.per not in ("day", "month"):
            raise ValueError(f"not a workload: {self!r}")
        if min(shares) < 0 or sum(shares) > HUNDRED:
            raise ValueError(f"cache shares must be 0-100 % together: {self!r}")

    @cached_property
    def requests_per_month(self) -> Decimal:
        if self.per == "month":
            return Decimal(self.requests)
        return Decimal(self.requests) * self.days

    @property
    def requests_per_day(self) -> Decimal:
        if self.per == "day":
            return Decimal(self.requests)
        with localcontext(prec=PRECISION):
            return Decimal(self.requests) / self.days

    def tokens_per_request(self) -> dict[str, Decimal]:
        """Tokens of each billed kind in one request (shares may make fractions)."""
        with localcontext(prec=PRECISION):
            read = self.input_tokens * self.cache_share / HUNDRED
            written = self.input_tokens * self.cache_write_share / HUNDRED
            return {
                "input": self.input_tokens - read - written,
                "cache_read": read,
                "cache_write": written,
                "output": Decimal(self.output_tokens),
                "reasoning": Decimal(self.reasoning_tokens),
            }

    @cached_property
    def billed_tokens(self) -> tuple[tuple[str, Decimal], ...]:
        """(kind, tokens per request) of each kind the workload sends, worked out once: the
        comparable models price the same workload on hundreds of offers."""
        return tuple((kind, count) for kind, count in self.tokens_per_request().items() if count)

    def tokens_per_month(self) -> dict[str, Decimal]:
        """Tokens of each billed kind over a month of requests."""
        with localcontext(prec=PRECISION):
            requests = self.requests_per_month
            return {kind: count * requests for kind, count in self.tokens_per_request().items()}

    def token_rows(self) -> tuple[tuple[str, Decimal, Decimal], ...]:
        """(label, tokens per request, tokens per month) of each kind the workload sends."""
        per_month = self.tokens_per_month()
        return tuple(
            (COMPONENT_LABELS[kind], count, per_month[kind])
            for kind, count in self.tokens_per_request().items()
            if count
        )

    def without_reasoning(self) -> "Workload":
        """The same workload for a model that does not produce reasoning tokens.

        The same object each time (itself when it sends none), so what it works out once
        (`billed_tokens`) is worked out once for all the models that do not reason.
        """
        return self._without_reasoning if self.reasoning_tokens else self

    @cached_property
    def _without_reasoning(self) -> "Workload":
        return Workload(
            requests=self.requests,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            per=self.per,
            cache_share=self.cache_share,
            cache_write_share=self.cache_write_share,
            batch=self.batch,
            days=self.days,
        )


@dataclass(frozen=True)
class PriceSheet:
    """One current price row in plain values: USD per 1M tokens, `per_request` per request.

    None means not known. Negative or non-finite values cannot be prices and
    are read as not known, so no estimate can come out negative or NaN.
    """

    tier: str = "standard"
    input: Decimal | None = None
    output: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    reasoning: Decimal | None = None
    per_request: Decimal | None = None
    long_context_threshold: int | None = None
    long_context_input: Decimal | None = None
    long_context_output: Decimal | None = None
    long_context_cache_read: Decimal | None = None
    long_context_cache_write: Decimal | None = None

    def __post_init__(self) -> None:
        for name in _PRICE_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, Decimal) and not (value.is_finite() and value >= 0):
                object.__setattr__(self, name, None)
        if self.long_context_threshold is not None and self.long_context_threshold < 0:
            object.__setattr__(self, "long_context_threshold", None)

    def applies_long_context(self, input_tokens: int) -> bool:
        """True when a request with this much input is billed at the long-context prices."""
        return self.long_context_threshold is not None and input_tokens > (
            self.long_context_threshold
        )


# The sheet's prices: every field but the tier and the long-context threshold.
_NOT_PRICES = ("tier", "long_context_threshold")
_PRICE_FIELDS = tuple(name for name in PriceSheet.__dataclass_fields__ if name not in _NOT_PRICES)
# A price row's columns as `PriceSheet` takes them after its tier, in its order: statements
# that read sheets select them so, and the sheet is made from the row by position.
PRICE_SHEET_COLUMNS = tuple(name for name in PriceSheet.__dataclass_fields__ if name != "tier")


@dataclass(frozen=True)
class Component:
    """One line of the bill: tokens per request, the price used, and what it costs.

    `price` is per 1M tokens (per request for "requests"); `note` says when a
    price stood in for a missing one. Costs are None when the price is not known.
    """

    kind: str
    tokens: Decimal
    price: Decimal | None
    per_request: Decimal | None
    per_month: Decimal | None
    note: str | None = None

    @property
    def label(self) -> str:
        return COMPONENT_LABELS[self.kind]


@dataclass(frozen=True)
class Estimate:
    """A workload's cost at one price row; totals are None when a needed price is not known."""

    tier: str
    long_context: bool
    components: tuple[Component, ...]
    per_request: Decimal | None
    per_day: Decimal | None
    per_month: Decimal | None

    @property
    def missing(self) -> tuple[str, ...]:
        """Labels of the components whose price is not known."""
        return tuple(c.label for c in self.components if c.per_request is None)

    def component(self, kind: str) -> Component:
        return next(c for c in self.components if c.kind == kind)


def estimate(workload: Workload, sheet: PriceSheet) -> Estimate:
    """What `workload` costs per request, per day and per month at the prices in `sheet`."""
    long_context = sheet.applies_long_context(workload.input_tokens)
    prices = _prices_for(sheet, long_context=long_context)
    tokens = workload.tokens_per_request()
    with localcontext(prec=PRECISION):
        components = [
            _token_component(kind, tokens[kind], *prices[kind], workload=workload)
            for kind in ("input", "cache_read", "cache_write", "output", "reasoning")
        ]
        fee = sheet.per_request or Decimal(0)
        components.append(
            Component(
                kind="requests",
                tokens=Decimal(0),
                price=fee,
                per_request=fee,
                per_month=fee * workload.requests_per_month,
            )
        )
        per_request = _total(c.per_request for c in components)
        return Estimate(
            tier=sheet.tier,
            long_context=long_context,
            components=tuple(components),
            per_request=per_request,
            per_day=None if per_request is None else per_request * workload.requests_per_day,
            per_month=None if per_request is None else per_request * workload.requests_per_month,
        )


def monthly_cost(workload: Workload, sheet: PriceSheet) -> Decimal | None:
    """`estimate(workload, sheet).per_month`, without building the bill's lines.

    Picking the cheapest of many offers (comparable models) needs only the
    totals, and the lines cost several times the arithmetic; the total is the
    same exact sum, so the two never disagree.
    """
    long_context = sheet.applies_long_context(workload.input_tokens)
    prices = _prices_for(sheet, long_context=long_context)
    with localcontext(prec=PRECISION):
        per_request = sheet.per_request or Decimal(0)
        for kind, tokens in workload.billed_tokens:
            price = prices[kind][0]
            if price is None:
                return None
            per_request += tokens * price / MILLION
        return per_request * workload.requests_per_month


def _prices_for(
    sheet: PriceSheet, *, long_context: bool
) -> dict[str, tuple[Decimal | None, str | None]]:
    """The price per 1M tokens of each token kind, with a note when a stand-in was used."""

    def regular_or_long(regular: Decimal | None, long: Decimal | None) -> Decimal | None:
        return long if long_context and long is not None else regular

    input_price = regular_or_long(sheet.input, sheet.long_context_input)
    output_price = regular_or_long(sheet.output, sheet.long_context_output)
    cache_read = regular_or_long(sheet.cache_read, sheet.long_context_cache_read)
    cache_write = regular_or_long(sheet.cache_write, sheet.long_context_cache_write)
    return {
        "input": (input_price, None),
        "cache_read": _or_stand_in(
            cache_read, input_price, "no cache price known: billed as input"
        ),
        "cache_write": _or_stand_in(
            cache_write, input_price, "no cache-write price known: billed as input"
        ),
        "output": (output_price, None),
        "reasoning": _or_stand_in(
            sheet.reasoning, output_price, "no reasoning price: billed as output"
        ),
    }


def _or_stand_in(
    price: Decimal | None, stand_in: Decimal | None, note: str
) -> tuple[Decimal | None, str | None]:
    return (price, None) if price is not None else (stand_in, note)


def _token_component(
    kind: str, tokens: Decimal, price: Decimal | None, note: str | None, *, workload: Workload
) -> Component:
    """Tokens times price; unused components cost nothing even when their price is not known."""
    if not tokens:
        per_request: Decimal | None = Decimal(0)
        note = None
    elif price is None:
        per_request = None
    else:
        per_request = tokens * price / MILLION
    return Component(
        kind=kind,
        tokens=tokens,
        price=price,
        per_request=per_request,
        per_month=None if per_request is None else per_request * workload.requests_per_month,
        note=note,
    )


def _total(values: Iterable[Decimal | None]) -> Decimal | None:
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total
