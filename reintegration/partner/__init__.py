"""The partner portal: light pages for partner officers in the country of return (their
organisation's cases only): reports, disbursements and attachments."""
