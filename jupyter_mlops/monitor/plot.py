"""``--plot``: training vs current distribution of the most drifted features, as a PNG."""

from __future__ import annotations

from typing import Any

SHOWN = 4


def plot(report: dict, path: str) -> list[str]:
    """Write the figure; returns the features it shows (highest drift score first)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    features = [f for f in report["features"] if f.get("bins")]
    if report.get("prediction") and report["prediction"].get("bins"):
        features.append(report["prediction"])
    features.sort(key=lambda f: -f["score"])
    shown = features[:SHOWN]
    if not shown:
        raise ValueError("no feature could be compared: nothing to plot")
    fig, axes = plt.subplots(len(shown), 1, figsize=(9, 2.6 * len(shown)), squeeze=False)
    for ax, feature in zip(axes[:, 0], shown, strict=True):
        bins: dict[str, Any] = feature["bins"]
        x = np.arange(len(bins["labels"]))
        ax.bar(x - 0.2, bins["training"], 0.4, label="training", color="#4c72b0")
        ax.bar(x + 0.2, bins["current"], 0.4, label="current", color="#dd8452")
        ax.set_xticks(x, bins["labels"], rotation=30, ha="right", fontsize=7)
        ax.set_ylabel("share of rows")
        ax.set_title(f"{feature['name']}: {feature['verdict']}", fontsize=10,
                     color="#b00020" if feature["drift"] else "black")
        ax.legend(fontsize=7)
    model = report.get("model") or {}
    fig.suptitle(f"drift of {model.get('name') or report.get('ref')}"
                 + (f"/{model['version']}" if model.get("version") is not None else "")
                 + (": DRIFT" if report["drift"] else ": no drift"))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [f["name"] for f in shown]
