"""Record what nbval executes, so that the book build need not execute the notebooks again.

``make test`` runs every notebook once, as a test, under nbval (``--nbval-lax``: the checks are
the notebooks' assertion cells). With ``--record-into DIR`` this plugin also keeps each
executed notebook: every kernel message nbval reads for a cell is handed to nbclient's own
message handler, the one ``jupyter-book`` executes with, so the outputs are the ones a normal
execution records (figures as ``image/png``, text, ``clear_output`` honoured, the output of an
``ipywidgets`` Output widget kept inside the widget, the widget state in the notebook's
metadata). When every cell of a notebook has passed, the executed notebook is stored in the
jupyter-cache at ``DIR``, the cache that myst-nb reads with ``execute_notebooks: cache``.

The cache is keyed on the notebook's code cells, so a notebook whose code has changed since is
not found there and the build executes it anew. Outputs also depend on ``lecturekit``, which
the key does not see: the Makefile therefore empties ``DIR`` before each nbval run and only
``make test`` builds from it, straight after that run.

A notebook with a failed or skipped cell is not stored (the build then executes it itself).
Under pytest-xdist each worker writes its notebooks as files; the controlling process stores
them in the cache when the session ends, so only one process ever writes the cache.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest

try:
    from nbval.plugin import IPyNbCell, IPyNbFile
except ImportError:  # nbval missing: nothing to record
    IPyNbCell = IPyNbFile = None

PENDING = "pending"  # sub-folder of DIR: executed notebooks waiting to enter the cache
KERNEL_INFO_TIMEOUT = 30


def pytest_addoption(parser):
    parser.addoption(
        "--record-into",
        metavar="DIR",
        default=None,
        help="store each notebook nbval executed without failure in the jupyter-cache at DIR",
    )


class Recorder:
    """One notebook's execution, rebuilt from the kernel messages nbval reads."""

    def __init__(self, nb_file):
        from nbclient import NotebookClient

        self.path = Path(str(nb_file.fspath))
        self.nb = nbformat.read(self.path, as_version=4)
        # Only its message handling is used; no timing metadata, as jupyter-cache executes.
        self.client = NotebookClient(self.nb, record_timing=False)
        # nbval numbers the code cells; nbclient wants each cell's index in the notebook.
        self.code_index = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]
        self.msg_id: str | None = None  # the execute request of the running cell
        self.cell_num: int | None = None
        self.started = time.perf_counter()

    def attach(self, kernel) -> None:
        """Share nbval's kernel client (an Output widget syncs its outputs back through it)
        and record the kernel's language_info, as nbclient does."""
        self.client.kc = kernel.kc
        msg_id = kernel.kc.kernel_info()
        while True:
            reply = kernel.kc.get_shell_msg(timeout=KERNEL_INFO_TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                self.nb.metadata["language_info"] = reply["content"]["language_info"]
                return

    def start_cell(self, cell_num: int) -> None:
        self.cell_num = cell_num
        cell = self.nb.cells[self.code_index[cell_num]]
        cell.outputs = []
        cell.execution_count = None
        self.client.clear_before_next_output = False

    def observe(self, msg) -> None:
        """nbclient's handling of one iopub message of the running cell."""
        from nbclient.exceptions import CellExecutionComplete

        if self.cell_num is None or msg["parent_header"].get("msg_id") != self.msg_id:
            return
        index = self.code_index[self.cell_num]
        try:
            self.client.process_message(msg, self.nb.cells[index], index)
        except CellExecutionComplete:
            self.cell_num = None

    def executed_notebook(self):
        """The notebook with its outputs and widget state. nbval executes without storing
        history (every count is 1), so the cells are numbered as one execution numbers them."""
        self.client.set_widgets_metadata()
        for count, index in enumerate(self.code_index, start=1):
            cell = self.nb.cells[index]
            cell.execution_count = count
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = count
        return self.nb


def _recorder(item) -> Recorder | None:
    return getattr(item.parent, "_recorder", None)


if IPyNbFile is not None:
    _get_kernel_message = IPyNbFile.get_kernel_message

    def _observed_get_kernel_message(self, timeout=None, stream="iopub"):
        msg = _get_kernel_message(self, timeout=timeout, stream=stream)
        recorder = getattr(self, "_recorder", None)
        if recorder is not None and stream == "iopub":
            recorder.observe(msg)
        return msg

    IPyNbFile.get_kernel_message = _observed_get_kernel_message


def _record_dir(config) -> Path | None:
    value = config.getoption("--record-into", default=None)
    return Path(value).resolve() if value else None


def _is_controller(config) -> bool:
    return not hasattr(config, "workerinput")  # pytest-xdist workers carry workerinput


def pytest_configure(config):
    folder = _record_dir(config)
    if folder is not None and _is_controller(config):
        shutil.rmtree(folder / PENDING, ignore_errors=True)
        (folder / PENDING).mkdir(parents=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    yield  # nbval starts the notebook's kernel in the setup of its first cell
    if IPyNbCell is None or not isinstance(item, IPyNbCell) or not _record_dir(item.config):
        return
    nb_file = item.parent
    if getattr(nb_file, "_recorder", None) is None and nb_file.kernel is not None:
        nb_file._recorder = Recorder(nb_file)
        nb_file._recorder.attach(nb_file.kernel)
        execute = nb_file.kernel.execute_cell_input

        def execute_and_remember(source, allow_stdin=None):
            nb_file._recorder.msg_id = execute(source, allow_stdin=allow_stdin)
            return nb_file._recorder.msg_id

        nb_file.kernel.execute_cell_input = execute_and_remember


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    recorder = _recorder(item) if IPyNbCell and isinstance(item, IPyNbCell) else None
    if recorder is not None:
        recorder.start_cell(item.cell_num)
    yield


def pytest_runtest_logreport(report):
    # Setup or call failed, or the cell was skipped: keep nothing of this notebook.
    if report.outcome != "passed" and report.when in ("setup", "call"):
        _failed_files.add(report.nodeid.split("::")[0])


_failed_files: set[str] = set()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """After a notebook's last cell (before nbval stops its kernel): write it if all passed."""
    recorder = _recorder(item)
    if recorder is None or (nextitem is not None and nextitem.parent is item.parent):
        return
    item.parent._recorder = None
    if item.nodeid.split("::")[0] in _failed_files:
        return
    nb = recorder.executed_notebook()
    seconds = time.perf_counter() - recorder.started
    pending = _record_dir(item.config) / PENDING
    name = recorder.path.stem
    nbformat.write(nb, pending / f"{name}.ipynb")
    (pending / f"{name}.json").write_text(
        json.dumps({"uri": str(recorder.path), "execution_seconds": seconds})
    )


def pytest_sessionfinish(session):
    folder = _record_dir(session.config)
    if folder is None or not _is_controller(session.config) or not (folder / PENDING).is_dir():
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(folder)
    for info in sorted((folder / PENDING).glob("*.json")):
        meta = json.loads(info.read_text())
        nb = nbformat.read(info.with_suffix(".ipynb"), as_version=4)
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, meta["uri"], data={"execution_seconds": meta["execution_seconds"]}),
            check_validity=False,
            overwrite=True,
        )
    shutil.rmtree(folder / PENDING)
