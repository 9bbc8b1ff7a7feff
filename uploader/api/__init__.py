"""The Batch API client: one chokepoint for HTTP (client), what answers mean (answers), which failures are
retried (retry), the paths per layout (endpoints), typed records (models) and schedule times (times).

It knows nothing of campaigns or call safety; both build on it.
"""
