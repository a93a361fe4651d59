"""Approval by Hjemrejsestyrelsen: queue, review, decision, amendments' diff."""
