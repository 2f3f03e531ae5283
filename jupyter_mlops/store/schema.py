"""The store's relational schema (SQLAlchemy Core), one table per concept of DESIGN.md.

Times are epoch milliseconds (UTC). JSON documents (schemas, profiles, environments) are
stored as text so the same schema works on SQLite and PostgreSQL. Changing anything here
needs a new Alembic revision under ``migrations/versions`` and a bump of SCHEMA_VERSION.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = "0008"

metadata = MetaData()

ID = String(32)
Millis = BigInteger
# A run's params, last metrics and tags are read together, a page of runs at a time: on
# SQLite these tables are stored in (run_id, key) order, one B-tree (revision 0008).
_CLUSTERED = {"sqlite_with_rowid": False}

environments = Table(
    "environments",
    metadata,
    Column("environment_id", ID, primary_key=True),
    Column("data", Text, nullable=False),
    Column("created_ms", Millis, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", ID, primary_key=True),
    Column("notebook", Text),
    Column("kernel_id", String(64)),
    Column("user", String(128)),
    Column("host", String(255)),
    Column("pid", Integer),
    Column("pid_started_ms", Millis),
    Column("environment_id", ID, ForeignKey("environments.environment_id")),
    Column("started_ms", Millis, nullable=False),
    Column("ended_ms", Millis),
    Column("heartbeat_ms", Millis, nullable=False),
    Column("status", String(16), nullable=False),
)

cell_executions = Table(
    "cell_executions",
    metadata,
    Column("execution_id", ID, primary_key=True),
    Column("session_id", ID, ForeignKey("sessions.session_id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("execution_count", Integer),
    Column("cell_id", String(128)),
    Column("code", Text, nullable=False),
    Column("code_hash", String(32), nullable=False),
    Column("names_defined", Text),
    Column("names_used", Text),
    Column("started_ms", Millis, nullable=False),
    Column("duration_ms", Float),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    UniqueConstraint("session_id", "seq"),
)

runs = Table(
    "runs",
    metadata,
    Column("run_id", ID, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("experiment", String(255), nullable=False),
    Column("session_id", ID, ForeignKey("sessions.session_id")),
    Column("notebook", Text),
    Column("user", String(128)),
    Column("host", String(255)),
    Column("status", String(16), nullable=False),
    Column("started_ms", Millis, nullable=False),
    Column("ended_ms", Millis),
    Column("error", Text),
    Column("environment_id", ID, ForeignKey("environments.environment_id")),
    Column("notes", Text),
    Column("warnings", Text),
    Column("source", String(16), nullable=False),
    Column("updated_ms", Millis, nullable=False),
    Column("deleted_ms", Millis),
    # (started, run id) is the default sort's order; deleted_ms lets a filtered walk skip
    # deleted runs without reading them (revision 0005, replacing (started_ms)).
    Index("ix_runs_started_run", "started_ms", "run_id", "deleted_ms"),
    Index("ix_runs_experiment_started", "experiment", "started_ms"),
    Index("ix_runs_notebook_started", "notebook", "started_ms"),
    Index("ix_runs_status", "status"),
    Index("ix_runs_updated", "updated_ms"),
    Index("ix_runs_deleted", "deleted_ms", "run_id"),
)

# How many runs each experiment has, and how many of them are deleted (revision 0005),
# kept by triggers on ``runs`` in the transaction that changes them, so a listing's total
# is a read of a few rows instead of a count over every run.
run_counts = Table(
    "run_counts",
    metadata,
    Column("experiment", String(255), primary_key=True),
    Column("runs", BigInteger, nullable=False),
    Column("deleted", BigInteger, nullable=False),
)

params = Table(
    "params",
    metadata,
    Column("run_id", ID, ForeignKey("runs.run_id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    # The value read as a number where it is one (revision 0005), so numeric filters such
    # as params.C = 1 walk an index like text ones do.
    Column("value_num", Float),
    # The run's start (revision 0008; a run's start never changes), filled by a trigger
    # when a writer leaves it out, so a page filtered by params.X = v and sorted by start
    # is one range of these indexes, read in order and stopped at the page's end.
    Column("started_ms", Millis),
    Index("ix_params_key_value_started", "key", "value", "started_ms", "run_id"),
    Index("ix_params_key_num_started", "key", "value_num", "started_ms", "run_id"),
    **_CLUSTERED,
)

metrics = Table(
    "metrics",
    metadata,
    Column("run_id", ID, ForeignKey("runs.run_id"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("step", Integer, nullable=False),
    Column("value", Float),
    Column("timestamp_ms", Millis, nullable=False),
    Index("ix_metrics_run_key_step", "run_id", "key", "step"),
)

# The last value of each metric, kept alongside the history so listing and sorting runs by a
# metric is one indexed join instead of a scan of every step ever logged.
latest_metrics = Table(
    "latest_metrics",
    metadata,
    Column("run_id", ID, ForeignKey("runs.run_id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Float),
    Column("step", Integer, nullable=False),
    Column("timestamp_ms", Millis, nullable=False),
    Index("ix_latest_metrics_key_value_run", "key", "value", "run_id"),
    **_CLUSTERED,
)

tags = Table(
    "tags",
    metadata,
    Column("run_id", ID, ForeignKey("runs.run_id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
    Index("ix_tags_key_value", "key", "value"),
    **_CLUSTERED,
)

datasets = Table(
    "datasets",
    metadata,
    Column("dataset_id", ID, primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("name", String(255)),
    Column("source", Text),
    Column("file_hash", String(64)),
    Column("schema", Text, nullable=False),
    Column("shape", Text, nullable=False),
    Column("profile", Text),
    Column("created_ms", Millis, nullable=False),
)

run_inputs = Table(
    "run_inputs",
    metadata,
    Column("run_id", ID, ForeignKey("runs.run_id"), primary_key=True),
    Column("dataset_id", ID, ForeignKey("datasets.dataset_id"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("role", String(64), nullable=False),
    Column("source", Text),
    Index("ix_run_inputs_dataset", "dataset_id"),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("artifact_id", ID, primary_key=True),
    Column("run_id", ID, ForeignKey("runs.run_id")),
    Column("name", Text, nullable=False),
    Column("media_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("created_ms", Millis, nullable=False),
    Index("ix_artifacts_run", "run_id"),
)

run_lineage = Table(
    "run_lineage",
    metadata,
    Column("run_id", ID, ForeignKey("runs.run_id"), primary_key=True),
    Column("execution_id", ID, ForeignKey("cell_executions.execution_id"), primary_key=True),
    Column("position", Integer, nullable=False),
)

# The model registry (revision 0002). A version's package is a set of blobs in the artifact
# store; the row keeps its manifest (path -> sha256, size) and the manifest's own sha256.
registered_models = Table(
    "registered_models",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("description", Text),
    Column("user", String(128)),
    Column("created_ms", Millis, nullable=False),
    Column("updated_ms", Millis, nullable=False),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("model_version_id", ID, primary_key=True),
    Column("name", String(255), ForeignKey("registered_models.name"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("run_id", ID, ForeignKey("runs.run_id")),
    Column("model_variable", String(255)),
    Column("model_type", String(255)),
    Column("description", Text),
    Column("source", String(16), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("manifest", Text, nullable=False),
    Column("signature", Text),
    Column("metrics", Text),
    Column("params", Text),
    Column("requirements", Text),
    Column("warnings", Text),
    Column("verification", Text),
    Column("user", String(128)),
    Column("created_ms", Millis, nullable=False),
    UniqueConstraint("name", "version"),
    Index("ix_model_versions_run", "run_id"),
)

model_aliases = Table(
    "model_aliases",
    metadata,
    Column("name", String(255), ForeignKey("registered_models.name"), primary_key=True),
    Column("alias", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("user", String(128)),
    Column("updated_ms", Millis, nullable=False),
)

alias_events = Table(
    "alias_events",
    metadata,
    Column("event_id", ID, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("alias", String(64), nullable=False),
    Column("from_version", Integer),
    Column("to_version", Integer),
    Column("user", String(128)),
    Column("at_ms", Millis, nullable=False),
    Index("ix_alias_events_name_alias", "name", "alias"),
)

# Sampled requests of model servers (revision 0003): each row is one request's rows, as
# {"columns", "data"} (inputs) and a list (outputs), the monitor's "current data".
prediction_log = Table(
    "prediction_log",
    metadata,
    Column("log_id", ID, primary_key=True),
    Column("name", String(255)),
    Column("version", Integer),
    Column("checksum", String(64), nullable=False),
    Column("at_ms", Millis, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("outputs", Text, nullable=False),
    Index("ix_prediction_log_model", "name", "version", "at_ms"),
    Index("ix_prediction_log_checksum", "checksum", "at_ms"),
)

# Monitor reports (revision 0005): the report as JSON, its verdict and size for listing,
# and the --plot PNG as a blob of the artifact store (sha256 digest).
drift_reports = Table(
    "drift_reports",
    metadata,
    Column("report_id", ID, primary_key=True),
    Column("name", String(255)),
    Column("version", Integer),
    Column("checksum", String(64), nullable=False),
    Column("at_ms", Millis, nullable=False),
    Column("drift", Boolean, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("report", Text, nullable=False),
    Column("plot_digest", String(64)),
    Column("plot_size", BigInteger),
    Index("ix_drift_reports_model", "name", "version", "at_ms"),
)

# Retrain jobs started over REST (revision 0007): their state, and the process running them
# (host, pid and its start time) so a job whose server died reads as failed, not running.
retrain_jobs = Table(
    "retrain_jobs",
    metadata,
    Column("job_id", ID, primary_key=True),
    Column("ref", String(300), nullable=False),
    Column("status", String(16), nullable=False),
    Column("submitted_ms", Millis, nullable=False),
    Column("finished_ms", Millis),
    Column("result", Text),
    Column("error", Text),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("pid_started_ms", Millis),
    Index("ix_retrain_jobs_status", "status", "submitted_ms"),
)
