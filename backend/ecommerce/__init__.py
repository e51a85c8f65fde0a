"""Customers, plans and their subscriptions."""
