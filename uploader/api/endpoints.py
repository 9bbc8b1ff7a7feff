"""The Batch API's paths, per layout: the current API and the seed document's."""

#: Each layout's path for each operation; ``{agent_id}`` in a path needs the batch's agent.
#: The seed document has no stop, delete or list of all; they take the current paths.
ENDPOINTS: dict[str, dict[str, str]] = {
    "current": {
        "create": "/batches",
        "schedule": "/batches/{batch_id}/schedule",
        "get": "/batches/{batch_id}",
        "list": "/batches/{agent_id}/all",
        "executions": "/batches/{batch_id}/executions",
        "stop": "/batches/{batch_id}/stop",
        "delete": "/batches/{batch_id}",
        "account": "/user/me",
    },
    "seed": {
        "create": "/batches",
        "schedule": "/batches/schedule",
        "get": "/batches/{agent_id}/{batch_id}",
        "list": "/batches/{agent_id}",
        "executions": "/batches/{agent_id}/{batch_id}/executions",
        "stop": "/batches/{batch_id}/stop",
        "delete": "/batches/{batch_id}",
        "account": "/user/me",
    },
}
