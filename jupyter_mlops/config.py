"""User configuration, the traitlets way.

``MlopsConfig`` is read from the usual Jupyter config files: ``jupyter_server_config.py``
(for the server extension) and ``jupyter_mlops_config.{py,json}`` in any
``jupyter --paths`` config directory (for kernels, scripts and the CLI), e.g.::

    c.MlopsConfig.store = "postgresql://mlops@db/mlops"   # pip install "jupyter_mlops[postgresql]"
    c.MlopsConfig.env_allowlist = ["CUDA_VISIBLE_DEVICES", "MY_PROJECT_*"]

The environment variables ``JUPYTER_MLOPS_STORE`` and ``JUPYTER_MLOPS_ARTIFACTS`` override
the store settings, so a single job can be pointed elsewhere without editing files.
"""

from __future__ import annotations

from functools import cache

from traitlets import Bool, List, Unicode
from traitlets.config import Config, Configurable

from .capture.environment import DEFAULT_ENV_ALLOWLIST
from .capture.models import DEFAULT_METRIC_PATTERN


class MlopsConfig(Configurable):
    store = Unicode(
        None, allow_none=True,
        help="Run store: a directory (SQLite) or an SQLAlchemy URL. Default: a directory "
             "under jupyter_data_dir().",
    ).tag(config=True)
    artifacts = Unicode(
        None, allow_none=True,
        help="Artifact store: any fsspec URL. Default: 'artifacts' next to the database.",
    ).tag(config=True)
    env_allowlist = List(
        Unicode(), default_value=list(DEFAULT_ENV_ALLOWLIST),
        help="Environment variables recorded with each run (glob patterns allowed); values "
             "of names that look secret are masked even when listed.",
    ).tag(config=True)
    track_on_load = Bool(
        False,
        help="Start tracking (as %track) as soon as the extension is loaded in a kernel, e.g. "
             "with c.InteractiveShellApp.extensions = ['jupyter_mlops'].",
    ).tag(config=True)
    metric_pattern = Unicode(
        DEFAULT_METRIC_PATTERN,
        help="Regular expression (searched) for the variable names whose numeric values a "
             "tracked cell records as metrics.",
    ).tag(config=True)
    capture_figures = Bool(
        True, help="Record the matplotlib figures a tracked cell draws as PNG artifacts.",
    ).tag(config=True)
    capture_datasets = Bool(
        True, help="Record the DataFrames and arrays a run depends on (fingerprint, schema, "
                   "profile, source file).",
    ).tag(config=True)


def _file_config() -> Config:
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import load_pyconfig_files

    config = Config()
    for directory in reversed(jupyter_config_path()):  # the user's own directory wins
        config.merge(load_pyconfig_files(["jupyter_mlops_config.py"], directory))
        config.merge(_load_json(directory))
    return config


def _load_json(directory: str) -> Config:
    from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader

    try:
        return JSONFileConfigLoader("jupyter_mlops_config.json", path=directory).load_config()
    except ConfigFileNotFound:
        return Config()


@cache
def load_config() -> MlopsConfig:
    """The configuration outside a Jupyter server: read once per process."""
    return MlopsConfig(config=_file_config())
