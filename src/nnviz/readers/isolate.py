"""Run the HDF5 parts of reading in a child process, bounded in time and memory.

h5py hands files to the HDF5 C library, and a damaged file can make that library loop
forever (holding the GIL, so no Python timer can stop it), allocate without bound or crash.
Everything nnviz reads with h5py from a file it was given therefore runs in a forked child:
the parent waits at most :data:`TIME_LIMIT_S` seconds, the child may use at most
:data:`MEMORY_LIMIT_BYTES` more memory, and a hang, a crash or exhausted memory becomes a
:class:`~nnviz.errors.ReadError` naming the file. A fork costs some 10-30 ms per read (weights
of a small file load in one child, see :class:`IsolatedLoader`); nothing is imported anew, and no
code from the file runs in either process.

Where ``fork`` is not available (Windows, macOS where it is unsafe) or ``NNVIZ_ISOLATE=0`` is
set, the same function runs in-process, with the size limits of the readers but no time bound.

>>> run_isolated(sum, [1, 2, 3], path="x.h5")
6
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
import traceback
import warnings
from typing import Any, Callable, Mapping, TypeVar

from .. import errors
from ..errors import NnvizError, ReadError

__all__ = ["run_isolated", "run_fresh", "IsolatedLoader", "TIME_LIMIT_S", "MEMORY_LIMIT_BYTES", "BATCH_BYTES",
           "isolation_available"]

TIME_LIMIT_S = 60.0                 # a real file's metadata reads in well under a second
MEMORY_LIMIT_BYTES = 4 * 1024 ** 3  # on top of what the process already uses
BATCH_BYTES = 256 * 1024 ** 2       # a weights file up to this size loads whole, in one child

T = TypeVar("T")


def isolation_available() -> bool:
    """Whether reads run in a child process (Linux with ``fork``, unless ``NNVIZ_ISOLATE=0``)."""
    return sys.platform.startswith("linux") and os.environ.get("NNVIZ_ISOLATE", "1") != "0"


def run_isolated(fn: Callable[..., T], *args: Any, path: object) -> T:
    """``fn(*args)`` in a forked child process; its result, or its NnvizError, comes back.

    Args:
        fn: what to run (a closure is fine: a forked child needs no pickling of it).
        *args: its arguments.
        path: the file being read, for messages.

    Returns:
        What ``fn`` returned (it must be picklable).

    Raises:
        ReadError: ``fn`` raised one, or the child hung, crashed or ran out of memory.
        RuntimeError: ``fn`` raised an unexpected exception (a bug; its traceback is shown).
    """
    if not isolation_available():
        return _in_process(fn, args, path)
    import h5py  # noqa: F401 - imported once in this process, not again in every child

    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a threaded process may deadlock; the child only
        # runs h5py, and the time limit bounds even that case. A bare fork (not
        # multiprocessing) also works inside daemonic worker processes.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        try:
            os.close(read_fd)
            _child(write_fd, fn, args)
        finally:
            os._exit(0)
    os.close(write_fd)
    reaped = False
    try:
        data = _read_all(read_fd, path)
        _, status = os.waitpid(pid, 0)
        reaped = True
        return _answer(data, status, path)
    finally:
        os.close(read_fd)
        if not reaped:
            _kill(pid)


LayerResults = dict  # {layer name: ("ok", value) | ("error", message)}


class IsolatedLoader:
    """A lazy weights loader that reads in a child process, at most once for a small file.

    Drawing weights asks for most layers; one child for all of them costs what one costs.
    :meth:`map` runs a function on each layer's arrays *in the child*, so only its results
    (a kernel cut down to the drawn neurons) come back, and a reader that hands over arrays
    read only when asked lets it read just the drawn rows: a file that declares a 1.5 GB kernel
    in a few KB of chunks then costs neither process anything like 1.5 GB.

    Args:
        load_layers: ``(names, each) -> {name: ("ok", each(name, arrays)) | ("error", message)}``
            for the named layers (every layer when ``names`` is None), opening the file once;
            ``arrays`` is the layer's list of (variable name, array), where an array may be read
            only when asked (``numpy.asarray``; ``take_rows``, see :class:`~nnviz.readers.h5.StoredArray`).
        size: the size of the weights file in bytes; above :data:`BATCH_BYTES`, layers load one by one.
        path: the file, for messages.
    """

    def __init__(self, load_layers: Callable[[list[str] | None, Callable[[str, list], Any]], LayerResults],
                 size: int, path: object) -> None:
        self._load_layers = load_layers
        self._size = size
        self._path = path
        self._cache: LayerResults | None = None

    def _value(self, results: LayerResults, name: str, default: Any) -> Any:
        kind, value = results.get(name, ("ok", default))
        if kind == "error":
            raise ReadError(value, path=self._path, layer=name)
        return value

    def __call__(self, name: str) -> list:
        if self._size > BATCH_BYTES:
            results = run_isolated(self._load_layers, [name], _arrays, path=self._path)
            return list(self._value(results, name, []))
        if self._cache is None:
            self._cache = run_isolated(self._load_layers, None, _arrays, path=self._path)
        return list(self._value(self._cache, name, []))

    def map(self, fns: Mapping[str, Callable[[list], T]]) -> dict[str, T]:
        """``{name: fn(weights of name)}``, each ``fn`` run where the weights are read.

        Raises:
            ReadError: a layer's weights cannot be read (the first such layer, in ``fns``'s order).
        """
        done: dict[str, T] = {}
        todo = {}
        for name, fn in fns.items():
            kind, value = (self._cache or {}).get(name, ("ok", []) if self._cache is not None else ("", None))
            if kind == "ok":  # read whole already
                done[name] = fn(list(value))
            else:  # not read yet, or too large to read whole: fn may need only part of it
                todo[name] = fn
        results = run_isolated(self._load_layers, list(todo), lambda name, arrays: todo[name](arrays),
                               path=self._path) if todo else {}
        for name, fn in todo.items():
            done[name] = self._value(results, name, None) if name in results else fn([])
        return {name: done[name] for name in fns}


def _arrays(name: str, arrays: list) -> list:
    """The layer's weights read whole (a reader may hand over arrays read only when asked)."""
    import numpy as np

    return [(n, np.asarray(a)) for n, a in arrays]


def _read_all(fd: int, path: object, limit: float | None = None, late: str | None = None) -> bytes:
    """Everything the child writes, until it closes the pipe; ReadError past the time limit
    (:data:`TIME_LIMIT_S`, read when called, unless ``limit`` is given)."""
    import select

    deadline = time.monotonic() + (TIME_LIMIT_S if limit is None else limit)
    chunks = []
    while True:
        left = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
        if not ready:
            raise ReadError(late or f"reading it did not finish within {TIME_LIMIT_S:g} s (a damaged HDF5 file "
                            "can make the HDF5 library loop)", path=path)
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # pragma: no cover - already gone
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # pragma: no cover
        pass


def _answer(data: bytes, status: int, path: object) -> Any:
    try:
        kind, payload = pickle.loads(data)
    except Exception:  # noqa: BLE001 - nothing (or half a message) came back: the child died
        code = os.waitstatus_to_exitcode(status)
        raise ReadError(f"the HDF5 library crashed reading it (exit status {code}; damaged file?)",
                        path=path) from None
    if kind == "ok":
        return payload
    if kind == "nnviz":
        name, message, err_path, layer, hint = payload
        cls = getattr(errors, name, ReadError)
        raise cls(message, path=err_path if err_path is not None else path, layer=layer, hint=hint)
    if kind == "memory":
        raise ReadError(f"reading it needs more than {MEMORY_LIMIT_BYTES // 2**20:,} MB of memory "
                        "(damaged file?)", path=path)
    raise RuntimeError(f"nnviz failed while reading {path} (in a child process):\n{payload}")


def _child(fd: int, fn: Callable[..., Any], args: tuple, memory_limit: int | None = None) -> None:
    """The child's side: run, then write the pickled ``(kind, payload)`` to ``fd``."""
    try:
        _limit_memory(MEMORY_LIMIT_BYTES if memory_limit is None else memory_limit)
        result: tuple[str, Any] = ("ok", fn(*args))
    except NnvizError as err:
        result = ("nnviz", (type(err).__name__, err.message, err.path, err.layer, err.hint))
    except MemoryError:
        result = ("memory", None)
    except BaseException as err:  # noqa: BLE001 - reported to the parent, which raises it
        result = ("bug", "".join(traceback.format_exception(err)))
    try:
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except Exception as err:  # noqa: BLE001 - e.g. a result that cannot be pickled
        data = pickle.dumps(("bug", f"the result could not be sent back: {type(err).__name__}: {err}"))
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _limit_memory(extra: int) -> None:
    """Cap the child's address space at what it uses now plus ``extra`` bytes."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as fh:
            vm = next((int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:")), None)
        if vm is None:
            return
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = vm + extra
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or limit < soft:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # pragma: no cover - best effort
        pass


def _in_process(fn: Callable[..., T], args: tuple, path: object) -> T:
    try:
        return fn(*args)
    except MemoryError:
        raise ReadError("reading it needs more memory than there is (damaged file?)", path=path) from None


# -- a fresh interpreter (``--build``) -------------------------------------------------------------

def run_fresh(target: str, payload: Any, *, path: object, time_limit: float, memory_limit: int,
              doing: str) -> Any:
    """``target(payload)`` in a new Python interpreter, bounded in time and memory; its result comes back.

    What runs there imports Keras and TensorFlow (``--build``), whose threads make a forked copy of
    a process that already runs them unsafe, and whose memory should never be this process's: so
    the child is a fresh ``python``, not a fork. Only the pickled result comes back on a pipe of its
    own (TensorFlow writes to stdout and stderr as it likes); the child's address space is capped at
    ``memory_limit`` bytes more than it starts with, and it is killed after ``time_limit`` seconds.

    Args:
        target: ``"package.module:function"``, a function of nnviz taking ``payload``.
        payload: plain, picklable data.
        path: the file, for messages.
        time_limit: seconds before the child is killed.
        memory_limit: bytes of address space the child may add.
        doing: what the child does, for messages ("building it").

    Raises:
        ReadError: the function raised one, or the child ran out of time or memory or died.
        RuntimeError: the function raised an unexpected exception (a bug; its traceback is shown).
    """
    import subprocess

    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    read_fd, write_fd = os.pipe()
    code = f"from nnviz.readers.isolate import _fresh_main; _fresh_main({write_fd}, {memory_limit})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env, pass_fds=(write_fd,))
    os.close(write_fd)
    try:
        assert proc.stdin is not None and proc.stderr is not None
        proc.stdin.write(pickle.dumps((target, payload), protocol=pickle.HIGHEST_PROTOCOL))
        proc.stdin.close()
        import threading

        tail: list[bytes] = []  # the child's stderr, drained so that it never blocks; its end kept
        drain = threading.Thread(target=lambda: tail.extend(proc.stderr.read().splitlines()[-20:]), daemon=True)
        drain.start()
        try:
            data = _read_all(read_fd, path, time_limit, f"{doing} did not finish within {time_limit:g} s")
        finally:
            os.close(read_fd)
        status = proc.wait(timeout=time_limit)
        drain.join(timeout=5)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    try:
        kind, result = pickle.loads(data)
    except Exception:  # noqa: BLE001 - nothing came back: the child died
        last = next((line.decode("utf-8", "replace").strip() for line in reversed(tail) if line.strip()), "")
        raise ReadError(f"{doing} stopped: its child process exited with status {status}"
                        + (f" ({last[:200]})" if last else ""), path=path) from None
    if kind == "memory":
        raise ReadError(f"{doing} needs more than {memory_limit // 2**20:,} MB of memory", path=path)
    return _answer(pickle.dumps((kind, result)), 0, path)


def _fresh_main(fd: int, memory_limit: int) -> None:
    """The fresh child's side of :func:`run_fresh`: read the call on stdin, answer on ``fd``."""
    import importlib

    target, payload = pickle.loads(sys.stdin.buffer.read())
    module, _, name = target.partition(":")
    if not module.startswith("nnviz."):  # only nnviz's own functions run here
        raise SystemExit(f"not an nnviz function: {target!r}")
    _child(fd, lambda: getattr(importlib.import_module(module), name)(payload), (), memory_limit)
