"""The Jupyter Server extension: the REST API under ``/jupyter-mlops/api/`` and nothing else.

Routes are declared here, next to ``openapi.yaml`` which documents them; a test keeps the
two in sync. Handlers live in one module per resource.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .base import StoreProvider
from .experiments import CatalogHandler, MetricHistoriesHandler
from .health import HealthHandler
from .lifecycle import (
    DriftHandler,
    DriftPlotHandler,
    PromoteHandler,
    RetrainHandler,
    RetrainJobHandler,
)
from .models import (
    ModelAliasHandler,
    ModelDownloadHandler,
    ModelHandler,
    ModelsHandler,
    ModelVerifyHandler,
    ModelVersionHandler,
    RunModelsHandler,
)
from .records import (
    ArtifactHandler,
    DatasetHandler,
    EnvironmentDiffHandler,
    EnvironmentHandler,
    TrackingHandler,
)
from .runs import (
    CompareHandler,
    MetricHistoryHandler,
    RestoreRunHandler,
    RunGroupsHandler,
    RunHandler,
    RunsHandler,
)

API_PREFIX = "jupyter-mlops/api"
_ID = r"[^/]+"

ROUTES: list[tuple[str, type]] = [
    ("health", HealthHandler),
    ("runs", RunsHandler),
    ("runs/groups", RunGroupsHandler),  # before runs/{run_id}: "groups" is no run id
    (rf"runs/(?P<run_id>{_ID})", RunHandler),
    (rf"runs/(?P<run_id>{_ID})/restore", RestoreRunHandler),
    (rf"runs/(?P<run_id>{_ID})/metrics/(?P<key>.+)", MetricHistoryHandler),
    ("compare", CompareHandler),
    (rf"datasets/(?P<dataset_id>{_ID})", DatasetHandler),
    ("environments/diff", EnvironmentDiffHandler),
    (rf"environments/(?P<environment_id>{_ID})", EnvironmentHandler),
    (rf"artifacts/(?P<artifact_id>{_ID})", ArtifactHandler),
    ("tracking", TrackingHandler),
    ("models", ModelsHandler),
    (rf"models/(?P<name>{_ID})", ModelHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})", ModelVersionHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/download", ModelDownloadHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/verify", ModelVerifyHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/drift", DriftHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/drift/plot", DriftPlotHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/promote", PromoteHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/retrain", RetrainHandler),
    (rf"models/(?P<name>{_ID})/versions/(?P<version>{_ID})/retrain/(?P<job_id>{_ID})",
     RetrainJobHandler),
    (rf"models/(?P<name>{_ID})/aliases/(?P<alias>{_ID})", ModelAliasHandler),
    (rf"runs/(?P<run_id>{_ID})/models", RunModelsHandler),
    ("catalog", CatalogHandler),
    ("metrics/histories", MetricHistoriesHandler),
]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Registers the routes. A store set in ``jupyter_server_config.py`` is exported to the
    environment the server's kernels inherit (unless the user set one there), so the server
    and the notebooks it runs read and write the same store."""
    import os

    from ..config import MlopsConfig
    from ..store.location import ARTIFACTS_ENV, STORE_ENV

    config = MlopsConfig(parent=serverapp)
    for variable, value in ((STORE_ENV, config.store), (ARTIFACTS_ENV, config.artifacts)):
        if value and not os.environ.get(variable):
            local = "://" not in value
            os.environ[variable] = os.path.abspath(os.path.expanduser(value)) if local else value
    web_app = serverapp.web_app
    web_app.settings["jupyter_mlops_store"] = StoreProvider(config)
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [
        (url_path_join(base_url, API_PREFIX, path), handler) for path, handler in ROUTES
    ])
    serverapp.log.info("jupyter_mlops: REST API at %s", url_path_join(base_url, API_PREFIX))
