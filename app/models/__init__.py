"""All tables, imported here so `Base.metadata` knows every one of them."""

from app.models.catalog import (
    Author,
    BenchmarkScore,
    Endpoint,
    ExternalId,
    Model,
    ModelModality,
    Price,
    Provider,
)
from app.models.metrics import MetricSample, RefreshRun

__all__ = [
    "Author",
    "BenchmarkScore",
    "Endpoint",
    "ExternalId",
    "MetricSample",
    "Model",
    "ModelModality",
    "Price",
    "Provider",
    "RefreshRun",
]
