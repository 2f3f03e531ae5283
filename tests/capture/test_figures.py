import struct

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from jupyter_mlops.capture.figures import figure_to_png, is_figure


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_is_figure():
    fig = Figure()
    assert is_figure(fig)
    assert not is_figure(fig.add_subplot())
    assert not is_figure(object())
    assert not is_figure(None)


def test_png_of_a_figure_without_pyplot():
    fig = Figure(figsize=(4, 3))
    fig.add_subplot().plot([1, 2, 3])
    assert png_size(figure_to_png(fig, dpi=50)) == (200, 150)
    assert png_size(figure_to_png(fig)) == (400, 300)


def test_pyplot_state_is_unchanged():
    plt.close("all")
    first, _ = plt.subplots(figsize=(2, 2))
    second, ax = plt.subplots(figsize=(3, 2))
    ax.plot([3, 1, 2])
    plt.figure(first.number)  # make the first figure current
    canvas, dpi, size = second.canvas, second.dpi, tuple(second.get_size_inches())
    data = figure_to_png(second, dpi=40)
    assert png_size(data) == (120, 80)
    assert plt.gcf() is first
    assert plt.get_fignums() == [first.number, second.number]
    assert plt.fignum_exists(second.number)
    assert second.canvas is canvas and second.dpi == dpi
    assert tuple(second.get_size_inches()) == pytest.approx(size)
    assert figure_to_png(second, dpi=40) == data  # deterministic, and still drawable
    plt.close("all")
