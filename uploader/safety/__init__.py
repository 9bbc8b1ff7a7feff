"""Before a call is paid for: who may be called when (plan, calling_hours) and what it costs against the
wallet (estimate, wallet). Pure decisions over a clean file and the account; nothing is uploaded here.
"""
