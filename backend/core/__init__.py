"""Database plumbing shared by every model module of the demo backend."""
