"""Usage metering for subscriptions sold through ``ecommerce``."""
