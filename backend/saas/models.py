"""Metered usage: each ``UsageEvent`` is a quantity of one metric used by a subscription.

``saas.usage`` records events and totals them per billing period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base
from ecommerce.models import Subscription  # noqa: F401


class UsageEvent(Base):
    __tablename__ = "usage_events"
    __table_args__ = (Index(None, "subscription_id", "metric", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    metric: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    occurred_at: Mapped[datetime]

    subscription = relationship("Subscription", backref="usage_events")
