"""Cross-cutting plumbing shared by every service. Imports no service code."""
