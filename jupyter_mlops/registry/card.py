"""The package's README (the model card) and Dockerfile, as text."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .package import PackageSpec


def model_card(spec: PackageSpec, signature: dict | None) -> str:
    run = spec.run
    lines = [f"# {spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    lines += [f"A `{spec.model_type}` trained in run `{run['run_id']}` (\"{run['name']}\")"
              + (f" of `{run['notebook']}`" if run.get("notebook") else "") + ".",
              f"Registered by {spec.user or 'an unknown user'} at {spec.created}; the model "
              + ("is the live object of the notebook's kernel (not refitted)."
                 if spec.source == "live" else
                 "was rebuilt by running `train.py` in a fresh kernel."), ""]
    lines += ["## What it predicts", ""]
    if signature:
        lines += ["Inputs (one row per prediction):", ""]
        lines += [f"- `{col['name']}`: {col['type']}" for col in signature["inputs"]]
        out = signature["outputs"][0]
        kind = out.get("tensor-spec", {}).get("dtype") or out["type"]
        lines += ["", f"Output: one `{kind}` value per row (`predict`).", ""]
    else:
        lines += ["No signature: the training data of the model was not found.", ""]
    lines += ["## Metrics", ""]
    metrics = run.get("metrics") or {}
    lines += [f"- {k}: {v}" for k, v in sorted(metrics.items())] or ["None recorded."]
    lines += ["", "## Training data", ""]
    for d in spec.datasets:
        shape = " x ".join(str(n) for n in d.get("shape") or [])
        lines.append(f"- `{d['name']}` ({d['role']}, {shape}), fingerprint `{d['fingerprint']}`"
                     + (f", read from `{d['source']}`" if d.get("source") else ""))
    if not spec.datasets:
        lines.append("None recorded.")
    lines += ["", "## Reproducibility", ""]
    warnings = spec.warnings
    lines += [f"- {w}" for w in warnings] or ["No lineage warnings: the cells ran in an order the "
                                              "notebook reproduces."]
    lines += ["", "Verification: not verified when packaged. `jupyter mlops verify "
              f"{spec.name}/VERSION` reruns `train.py` in a clean kernel and records whether "
              "the metrics and data fingerprints were reproduced; the registry shows the result.",
              "", "## Use it", "", "```python",
              "import mlflow.pyfunc  # or: import jupyter_mlops; jupyter_mlops.load_model(...)",
              'model = mlflow.pyfunc.load_model("path/to/this/folder")',
              "model.predict(dataframe)", "```", "",
              "Install exactly what it needs with `pip install -r requirements.txt`. Serve it "
              "from this folder with its own copy of the model server of jupyter_mlops: "
              "`pip install -r requirements.txt -r requirements-serve.txt && python "
              "code/jupyter_mlops_serve.py --port 8080` (what the Dockerfile runs; "
              "`POST /invocations` takes MLflow's scoring formats), or build the container: "
              f"`docker build -t {spec.name.lower()} .`", ""]
    return "\n".join(lines)


def dockerfile(python: str) -> str:
    """An image of the package folder alone: its requirements and its own model server."""
    short = ".".join(python.split(".")[:2])
    return (f"FROM python:{short}-slim\n"
            "COPY . /model\n"
            "WORKDIR /model\n"
            "RUN pip install --no-cache-dir -r requirements.txt -r requirements-serve.txt\n"
            "EXPOSE 8080\n"
            'CMD ["python", "code/jupyter_mlops_serve.py", "--host", "0.0.0.0", "--port", '
            '"8080"]\n')
