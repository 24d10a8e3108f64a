"""All tables, imported here so `Base.metadata` knows every one of them."""

from app.models.accounts import User, UserSession
from app.models.catalog import (
    Author,
    BenchmarkScore,
    Endpoint,
    ExternalId,
    Model,
    ModelModality,
    ModelRedirect,
    Price,
    Provider,
)
from app.models.community import Comment, Rating
from app.models.metrics import (
    ContentVersion,
    JobLease,
    MetricHour,
    MetricSample,
    PopularitySignal,
    RefreshRun,
)

__all__ = [
    "Author",
    "BenchmarkScore",
    "Comment",
    "ContentVersion",
    "Endpoint",
    "ExternalId",
    "JobLease",
    "MetricHour",
    "MetricSample",
    "Model",
    "ModelModality",
    "ModelRedirect",
    "PopularitySignal",
    "Price",
    "Provider",
    "Rating",
    "RefreshRun",
    "User",
    "UserSession",
]
