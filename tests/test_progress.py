"""Progress bars never flood: train.fit redraws its bar a few times a second, not per epoch.

A notebook bar redrawn on every epoch sends one message per redraw; thousands a second fill
the browser's message queue ("IOPub message rate exceeded") and freeze the cell. The test
counts the redraws of the bar fit shows, for the terminal bar and the notebook bar, against
the time the fit took: at most 5 a second, plus the first and the last.
"""

import time

import pytest
import tqdm.auto
import tqdm.notebook
import tqdm.std

from lecturekit import data, network, train


def counting(base):
    """A subclass of the tqdm class ``base`` that counts its redraws (calls of display)."""

    class Counting(base):
        redraws = 0
        bars = []

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            Counting.bars.append(self)

        def display(self, *args, **kwargs):
            Counting.redraws += 1
            return super().display(*args, **kwargs)

    return Counting


@pytest.mark.parametrize("base", [tqdm.std.tqdm, tqdm.notebook.tqdm], ids=["terminal", "notebook"])
def test_fit_redraws_its_bar_at_a_bounded_rate(monkeypatch, base):
    bar_class = counting(base)
    monkeypatch.setattr(tqdm.auto, "tqdm", bar_class)
    X, d = data.make_sine(20, seed=1)
    Wh, wo = network.init_weights(1, 3, seed=1)
    epochs = 3000  # mini-batches of 5: 12 000 steps, a few hundred milliseconds
    start = time.perf_counter()
    r = train.fit(X, d, Wh, wo, lr=0.05, epochs=epochs, batch_size=5, progress=True)
    elapsed = time.perf_counter() - start
    (bar,) = bar_class.bars
    assert bar.n == epochs and r.epochs == epochs  # every epoch was counted
    assert bar_class.redraws <= 5 * elapsed + 2, (bar_class.redraws, elapsed)
    # the last redraw (at close) shows the final objective
    assert bar.postfix == f"J={r.history[-1]:.4g}"
