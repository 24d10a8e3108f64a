"""All tables, imported here so `Base.metadata` knows every one of them."""

from app.models.accounts import User, UserSession
from app.models.catalog import (
    Author,
    BenchmarkScore,
    Endpoint,
    ExternalId,
    Model,
    ModelFact,
    ModelModality,
    ModelRedirect,
    ModelWorkloadCost,
    Price,
    Provider,
)
from app.models.community import Comment, ModelCommunityCounts, Rating
from app.models.metrics import (
    ContentVersion,
    JobLease,
    MetricChart,
    MetricHour,
    MetricSample,
    PopularitySignal,
    RefreshRun,
)
from app.models.watches import ChangeEvent, FeedToken, Watch, Webhook, WebhookDelivery
from app.models.workloads import SavedWorkload

__all__ = [
    "Author",
    "BenchmarkScore",
    "ChangeEvent",
    "Comment",
    "ContentVersion",
    "Endpoint",
    "ExternalId",
    "FeedToken",
    "JobLease",
    "MetricChart",
    "MetricHour",
    "MetricSample",
    "Model",
    "ModelCommunityCounts",
    "ModelFact",
    "ModelModality",
    "ModelRedirect",
    "ModelWorkloadCost",
    "PopularitySignal",
    "Price",
    "Provider",
    "Rating",
    "RefreshRun",
    "SavedWorkload",
    "User",
    "UserSession",
    "Watch",
    "Webhook",
    "WebhookDelivery",
]
