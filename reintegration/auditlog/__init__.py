"""The administrators' view of the audit trail, and the per-case data-protection page
(legal hold, the data subject's export)."""
