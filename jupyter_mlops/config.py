"""User configuration, the traitlets way.

``MlopsConfig`` is read from the usual Jupyter config files: ``jupyter_server_config.py``
(for the server extension) and ``jupyter_mlops_config.{py,json}`` in any
``jupyter --paths`` config directory (for kernels, scripts and the CLI), e.g.::

    c.MlopsConfig.store = "postgresql://mlops@db/mlops"
    c.MlopsConfig.env_allowlist = ["CUDA_VISIBLE_DEVICES", "MY_PROJECT_*"]

The environment variables ``JUPYTER_MLOPS_STORE`` and ``JUPYTER_MLOPS_ARTIFACTS`` override
the store settings, so a single job can be pointed elsewhere without editing files.
"""

from __future__ import annotations

from functools import cache

from traitlets import List, Unicode
from traitlets.config import Config, Configurable

from .capture.environment import DEFAULT_ENV_ALLOWLIST


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
