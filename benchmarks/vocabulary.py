"""Word lists the synthetic project is named from."""

from __future__ import annotations

ROOT_PACKAGE = "acme"

APPS = (
    "sales", "billing", "inventory", "shipping", "accounts", "support", "catalog",
    "analytics", "marketing", "payments", "reporting", "identity", "scheduling",
    "compliance", "procurement", "notifications",
)  # fmt: skip

# A monorepo has more apps than APPS: the same products again, per market or channel.
APP_VARIANTS = (
    "eu", "us", "apac", "latam", "b2b", "retail", "mobile", "partner", "internal", "legacy",
)  # fmt: skip

# plural package name -> singular class stem
DOMAINS = {
    "orders": "Order", "invoices": "Invoice", "customers": "Customer", "products": "Product",
    "warehouses": "Warehouse", "carriers": "Carrier", "tickets": "Ticket",
    "campaigns": "Campaign", "payouts": "Payout", "refunds": "Refund",
    "subscriptions": "Subscription", "contracts": "Contract", "vendors": "Vendor",
    "shipments": "Shipment", "returns": "ReturnRequest", "discounts": "Discount",
    "coupons": "Coupon", "ledgers": "Ledger", "budgets": "Budget", "forecasts": "Forecast",
    "audits": "Audit", "policies": "Policy", "teams": "Team", "members": "Member",
    "roles": "Role", "devices": "Device", "locations": "Location", "regions": "Region",
    "suppliers": "Supplier", "quotes": "Quote", "leads": "Lead", "deals": "Deal",
    "accounts": "Account", "transfers": "Transfer", "batches": "Batch",
    "schedules": "Schedule", "reminders": "Reminder", "documents": "Document",
    "channels": "Channel", "segments": "Segment",
}  # fmt: skip

CLASS_SUFFIXES = (
    "", "Line", "Item", "Event", "Revision", "Snapshot", "Assignment", "Entry", "Approval",
    "Allocation", "Reservation", "Adjustment", "Schedule", "Summary", "Rule",
)  # fmt: skip

# Generic names that real projects define more than once; the generator maps them twice.
AMBIGUOUS_NAMES = (
    "Address", "Note", "Attachment", "Tag", "AuditEvent", "Comment", "Setting", "Contact",
    "Label", "Preference", "StatusChange", "ExternalReference",
)  # fmt: skip

MODEL_FILES = ("core", "history", "links", "lines", "events", "settings")

SUBPACKAGES = ("api", "jobs", "utils", "integrations", "management", "backends", "contrib")

MODULES = (
    "services", "views", "handlers", "serializers", "schemas", "forms", "validators",
    "tasks", "queries", "repository", "selectors", "signals", "permissions", "filters",
    "pagination", "exceptions", "constants", "helpers", "formatting", "exporters",
    "importers", "pricing", "rules", "workflows", "notifications", "events", "mappers",
    "adapters", "clients", "cache", "metrics", "admin", "commands", "fixtures", "factories",
    "reports", "sync", "webhooks", "policies", "calculations", "state", "transitions",
    "search", "indexing", "storage", "emails", "rendering", "middleware", "throttling",
    "audit_log",
)  # fmt: skip

VERBS = (
    "build", "compute", "load", "parse", "render", "collect", "validate", "normalize",
    "resolve", "merge", "split", "apply", "prepare", "refresh", "export", "import",
    "summarize", "schedule", "notify", "archive", "estimate", "reconcile", "format",
    "group", "filter", "rank", "fetch", "sync", "close", "open",
)  # fmt: skip

NOUNS = (
    "amount", "total", "record", "entry", "batch", "payload", "status", "region", "window",
    "period", "balance", "quantity", "price", "rate", "limit", "owner", "label", "token",
    "report", "summary", "message", "event", "request", "response", "schedule", "deadline",
    "currency", "discount", "margin", "score", "weight", "bucket", "cursor", "page", "row",
    "column", "header", "footer", "channel", "segment", "snapshot", "revision", "change",
    "reason", "source", "target", "result", "option", "setting", "flag",
)  # fmt: skip

SENTENCES = (
    "This keeps the hot path free of database round trips.",
    "Values are normalised before they are compared, so callers may pass raw input.",
    "The order of the returned items is stable across calls.",
    "Nothing here talks to the network; the caller owns all I/O.",
    "Amounts are kept as Decimal to avoid rounding surprises in reports.",
    "Empty input is valid and produces an empty result.",
    "See the operations runbook before changing the retry policy.",
    "The cache is keyed on the tenant so that data never leaks between accounts.",
    "Legacy records may lack a region; they are treated as belonging to the default one.",
    "This mirrors the behaviour of the nightly export job.",
    "Timestamps are UTC throughout; conversion happens at the edges.",
    "A missing key is not an error here, because older clients omit it.",
    "The thresholds come from the finance team and change a few times a year.",
    "Callers rely on this raising ValueError rather than returning None.",
    "Keep this function pure: it is called from both the API and the workers.",
)  # fmt: skip
