"""A campaign from a clean file to results: upload once (upload, ledger), the whole run (run), what the
calls became (results, report_page), redials (redials) and the follow-up list (followup).
"""
