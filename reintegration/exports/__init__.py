"""Exports: the approval package of one approved version, and the batch workbook for finance."""
