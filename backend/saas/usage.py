"""Record metered usage and total it per billing period.

    record_usage(session, subscription, "api_calls", 120)
    current_period_usage(session, subscription)  # -> {"api_calls": 120}

A billing period is half-open, ``[start, end)``: an event at exactly ``end`` belongs to the
next period. Times are naive UTC, like everywhere in the backend.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecommerce.models import Subscription
from saas.models import UsageEvent


class UsageTotal(NamedTuple):
    subscription_id: int
    metric: str
    quantity: int


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record_usage(
    session: Session,
    subscription: Subscription,
    metric: str,
    quantity: int,
    *,
    occurred_at: datetime | None = None,
) -> UsageEvent:
    """Add one usage event to the session; the caller commits."""
    if quantity <= 0:
        raise ValueError(f"usage quantity must be positive, got {quantity}")
    event = UsageEvent(
        subscription=subscription,
        metric=metric,
        quantity=quantity,
        occurred_at=occurred_at if occurred_at is not None else utcnow(),
    )
    session.add(event)
    return event


def usage_totals(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    subscription_id: int | None = None,
) -> list[UsageTotal]:
    """Total quantity per subscription and metric for events in ``[start, end)``."""
    if start >= end:
        raise ValueError(f"empty billing period: start {start} is not before end {end}")
    total = func.sum(UsageEvent.quantity)
    query = (
        select(UsageEvent.subscription_id, UsageEvent.metric, total)
        .where(UsageEvent.occurred_at >= start, UsageEvent.occurred_at < end)
        .group_by(UsageEvent.subscription_id, UsageEvent.metric)
        .order_by(UsageEvent.subscription_id, UsageEvent.metric)
    )
    if subscription_id is not None:
        query = query.where(UsageEvent.subscription_id == subscription_id)
    return [UsageTotal(sub_id, metric, int(qty)) for sub_id, metric, qty in session.execute(query)]


def current_period_usage(session: Session, subscription: Subscription) -> dict[str, int]:
    """Total quantity per metric in the subscription's current billing period."""
    totals = usage_totals(
        session,
        subscription.current_period_start,
        subscription.current_period_end,
        subscription_id=subscription.id,
    )
    return {row.metric: row.quantity for row in totals}
