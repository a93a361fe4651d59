"""The reintegration year: return, follow-up reports, disbursements, attachments, risk
alerts and closure. The partner portal (``reintegration.partner``) uses the same
operations; this package holds the pages for DRC, CMM and Hjemrejsestyrelsen."""
