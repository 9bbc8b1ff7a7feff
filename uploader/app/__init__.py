"""``uploader app``: a local web app for the whole flow, over the same library as the command line.

Drop a list (CSV or workbook), fix its rejected numbers, see the calling-hours
plan and the estimate, schedule it once, watch it run. The modules follow the
journey: :mod:`.checking` (csvtools), :mod:`.planning` (uploader.safety),
:mod:`.scheduling` (run_campaign and its ledger, then polling); :mod:`.routes`
are the pages, :mod:`.security` the guards, :mod:`.server` the listening app.
Flask is the app's extra (``pip install '.[app]'``).
"""

from .factory import create_app
from .server import running_app, serving
from .settings import AppSettings

__all__ = ["AppSettings", "create_app", "running_app", "serving"]
