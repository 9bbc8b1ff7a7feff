"""A local stand-in for the Bolna Batch API, over real HTTP on loopback.

Both path layouts (the current OpenAPI and the seed's older one) share one
store; the batch lifecycle runs on a clock that ``speed`` accelerates; faults
(429, 5xx, slow answers, dropped connections) can be switched on for tests.
"""

from .app import create_app
from .faults import FaultPlan
from .server import DEFAULT_API_KEY, make_standin_server, running_standin

__all__ = ["DEFAULT_API_KEY", "FaultPlan", "create_app", "make_standin_server", "running_standin"]
