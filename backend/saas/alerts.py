"""Usage alerts: a customer asks to be told when a metric passes a threshold in a period."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base
from ecommerce.models import Customer  # noqa: F401


class UsageAlert(Base):
    __tablename__ = "usage_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    metric: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[int]

    customer = relationship("Customer", backref="usage_alerts")
