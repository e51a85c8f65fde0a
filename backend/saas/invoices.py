"""Invoices: one per subscription and billing period, for the usage metered in it.

``Invoice.subscription`` and ``ecommerce.models.Subscription.invoices`` are the two sides of
one relationship, so this module and ``ecommerce.models`` need each other's class.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base
from ecommerce.models import Subscription


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("subscription_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    amount_cents: Mapped[int]

    subscription: Mapped[Subscription] = relationship(back_populates="invoices")
