"""The chapters' tables: the layout, the fitted memory exponent and the refusals."""

from __future__ import annotations

import numpy as np
import pytest

from lecturekit import tables
from lecturekit.measure import SweepRow, TorchRow


def power_law_sweep(k=2.0, ms=(8, 16, 32, 64, 128), c=1000.0):
    """A synthetic sweep whose peak memory is exactly c·mᵏ for "a" and c·m for "b"."""
    rows = []
    for m in ms:
        rows.append(SweepRow("a", m, 1e-3 * m, c * m**k))
        rows.append(SweepRow("b", m, 2e-3 * m, c * m))
    return rows


def test_markdown_table_lays_out_header_separator_and_rows():
    text = tables.markdown_table(["x", "y"], [["1", "2"], ["3", "4"]])
    assert text.splitlines() == ["| x | y |", "| --- | --- |", "| 1 | 2 |", "| 3 | 4 |"]


def test_markdown_table_refuses_a_row_of_the_wrong_length():
    with pytest.raises(ValueError, match="row 1 has 3 cells but the header has 2"):
        tables.markdown_table(["x", "y"], [["1", "2"], ["3", "4", "5"]])
    with pytest.raises(ValueError, match="at least one column"):
        tables.markdown_table([], [])


@pytest.mark.parametrize("k", [1.0, 2.0, 1.5])
def test_memory_exponent_recovers_the_power_of_an_exact_power_law(k):
    sweep = power_law_sweep(k)
    assert tables.memory_exponent(sweep, "a") == pytest.approx(k, rel=1e-12)
    assert tables.memory_exponent(sweep, "b") == pytest.approx(1.0, rel=1e-12)


def test_memory_exponent_leaves_out_small_m_and_refused_sizes():
    # below m_min the memory is a constant (fixed allocations), beyond 64 the method is refused
    sweep = [SweepRow("a", 8, 1.0, 5e6), SweepRow("a", 16, 1.0, 5e6)]
    sweep += [SweepRow("a", m, 1.0, 10.0 * m**2) for m in (32, 64)]
    sweep += [SweepRow("a", 128, np.nan, np.nan)]
    assert tables.memory_exponent(sweep, "a", m_min=32) == pytest.approx(2.0, rel=1e-12)
    with pytest.raises(ValueError, match=r"two or more sizes m ≥ 64; got 1"):
        tables.memory_exponent(sweep, "a", m_min=64)
    with pytest.raises(ValueError, match="'c'"):
        tables.memory_exponent(sweep, "c")


def test_gradient_memory_table_shows_the_counts_and_measurements_at_one_m():
    sweep = power_law_sweep(2.0)
    text = tables.gradient_memory_table(sweep, 64, {"a": 2**20, "b": 1000})
    lines = text.splitlines()
    assert lines[0].startswith("| method | largest array at m = 64 (counted) |")
    assert len(lines) == 4  # header, separator, one row per method
    # 2²⁰ entries of 8 bytes are 8 MiB; the time is 1e-3·64 s; the peak 1000·64² bytes
    assert lines[2] == ("| a | 1,048,576 entries (8 MiB) | 64 ms | 3.91 MiB | 2.00 |")
    assert lines[3].startswith("| b | 1,000 entries (0.00763 MiB) | 128 ms |")
    assert lines[3].endswith("| 1.00 |")


def test_gradient_memory_table_refuses_an_unmeasured_m_and_a_missing_count():
    sweep = power_law_sweep()
    with pytest.raises(ValueError, match=r"no measurement at m = 100; it has m = \[8, 16"):
        tables.gradient_memory_table(sweep, 100, {"a": 1, "b": 1})
    with pytest.raises(ValueError, match=r"no count for the method\(s\) \['b'\]"):
        tables.gradient_memory_table(sweep, 64, {"a": 1})


def test_torch_table_shows_times_ratios_and_the_difference():
    timed = [TorchRow(100, 1, 20, 2e-3, 5e-4, 1e-3, 3.2e-16)]
    lines = tables.torch_table(timed).splitlines()
    assert lines[0].count("|") == 8  # seven columns
    assert lines[2] == "| (100, 1, 20) | 2 ms | 0.5 ms | 1 ms | 2.00 | 0.50 | 3.2e-16 |"


def test_reconstruction_table_computes_the_relative_errors():
    u_exact = np.array([3.0, 4.0])  # ‖u_exact‖ = 5
    text = tables.reconstruction_table(
        u_exact,
        methods=["exact", "off by 0.5"],
        u=[u_exact, u_exact + np.array([0.3, 0.4])],
        mu=[1.0, 1.25],
        seconds=[0.5, 0.002],
        needs=["everything", "nothing"],
    )
    lines = text.splitlines()
    assert lines[0].split() == [
        "method",
        "rel.",
        "L2",
        "of",
        "u",
        "mu_hat",
        "time",
        "needs",
        "to",
        "know",
    ]
    assert lines[1].split() == ["exact", "0.0e+00", "1.000", "0.500s", "everything"]
    assert lines[2].split() == ["off", "by", "0.5", "1.0e-01", "1.250", "0.002s", "nothing"]


def test_reconstruction_table_refuses_mismatched_columns_and_shapes():
    u_exact = np.zeros(3) + 1.0
    with pytest.raises(ValueError, match="mu has 1 entries but there are 2 methods"):
        tables.reconstruction_table(
            u_exact,
            methods=["a", "b"],
            u=[u_exact, u_exact],
            mu=[1.0],
            seconds=[1, 1],
            needs=["", ""],
        )
    with pytest.raises(ValueError, match=r"u of 'b' has shape \(2,\), but u_exact has shape"):
        tables.reconstruction_table(
            u_exact,
            methods=["a", "b"],
            u=[u_exact, np.ones(2)],
            mu=[1.0, 2.0],
            seconds=[1, 1],
            needs=["", ""],
        )


def test_profile_table_shows_each_pass_and_its_share():
    text = tables.profile_table({"A = X̄ W̄ʰ": 0.003, "H = tanh A": 0.001})
    lines = text.splitlines()
    assert lines[0] == "| pass | time | share |"
    assert lines[2] == "| A = X̄ W̄ʰ | 3 ms | 75 % |"
    assert lines[3] == "| H = tanh A | 1 ms | 25 % |"
    with pytest.raises(ValueError, match="add up to more than 0 s"):
        tables.profile_table({"nothing": 0.0})


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (4e-4, 2, "4·10⁻⁴"),
        (1e-10, 2, "10⁻¹⁰"),
        (2.2e4, 2, "2.2·10⁴"),
        (-3.5e-5, 2, "-3.5·10⁻⁵"),
        (160.3, 2, "160"),
        (0.25, 2, "0.25"),
        (0.034, 1, "0.03"),
    ],
)
def test_sci_writes_a_number_as_the_prose_does(x, digits, text):
    assert tables.sci(x, digits) == text


def test_sci_refuses_a_non_finite_number():
    with pytest.raises(ValueError, match="finite"):
        tables.sci(float("nan"))


def _burgers_run(engine, schedule, to_target, final, seconds):
    sizes = {"P": 3021, "M": 10100, "target": 6.7e-4}
    return sizes | {"engine": engine, "schedule": schedule, "seconds_to_target": to_target,
                    "final_error": final, "seconds": seconds}  # fmt: skip


def test_burgers_sentence_gives_each_schedules_time_to_the_target_or_its_best_error():
    from lecturekit.tables import burgers_sentence

    results = {
        "machine": {"cores": 2},
        "runs": [
            _burgers_run("lecturekit", "adam+lm", 454.4, 8e-5, 1617.0),
            _burgers_run("lecturekit", "adam+lm", None, 9e-4, 1700.0),
            _burgers_run("lecturekit", "adam+lm", 500.6, 7e-5, 1600.0),
            _burgers_run("deepxde", "adam+lbfgs", None, 3.1e-3, 600.2),
        ],
    }
    text = burgers_sentence(results)
    assert "3,021 weights, 10,100 residuals" in text and "6.7·10⁻⁴" in text
    # the median of the two runs that reached it, and their range
    assert (
        "lecturekit's Adam + LM reached it in 2 of 3 runs, in a median of 478 s (454–501 s)" in text
    )
    assert (
        "DeepXDE's Adam + L-BFGS did not reach it in its run: the error stood at 3.1·10⁻³ "
        "after 600 s" in text
    )
    assert "Benchmarks page" in burgers_sentence(None)


def test_burgers_sentence_gives_the_range_of_errors_where_no_run_reached_the_target():
    from lecturekit.tables import burgers_sentence

    runs = [_burgers_run("lecturekit", "adam+lbfgs", None, e, 300.0 + e) for e in (0.05, 0.04)]
    text = burgers_sentence({"machine": {"cores": 2}, "runs": runs})
    assert (
        "lecturekit's Adam + L-BFGS-B did not reach it in any of 2 runs: the error stood at "
        "0.04 to 0.05 after 300 s" in text
    )


def test_read_results_is_none_where_the_file_is_absent(tmp_path):
    from lecturekit.tables import read_results

    assert read_results(tmp_path / "burgers.json") is None
    (tmp_path / "burgers.json").write_text('{"runs": []}', encoding="utf-8")
    assert read_results(tmp_path / "burgers.json") == {"runs": []}
