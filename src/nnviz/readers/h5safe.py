"""Open an HDF5 file only once it is known that reading it reads nothing but that file.

HDF5 can send a read elsewhere: a dataset may keep its bytes in *external raw storage*
(any local file, ``/proc/self/environ`` included), a *virtual dataset* assembles itself from
datasets of other files, an *external link* opens another HDF5 file, and a *soft link* names
another path. h5py follows all of them silently, and weight values become link widths, so a
model file could make a drawing give back the bytes of a file the user can read.

:func:`open_h5` is the only place nnviz opens HDF5 (a test checks that): before any dataset is
read it walks every link of the file, without following any, and refuses, naming the object,

- a link that is not a hard link inside the file (soft, external or user-defined);
- a dataset with external storage or a virtual layout.

The walk reads only metadata (link tables and dataset creation properties), never raw data;
real Keras files have none of these, and the walk costs about what reading the weights' shapes
costs (it opens each dataset's header once).

>>> import io, h5py, numpy as np
>>> buf = io.BytesIO()
>>> with h5py.File(buf, "w") as f:
...     f["w"] = np.zeros(3)
...     f["elsewhere"] = h5py.ExternalLink("/etc/secrets.h5", "/data")
>>> open_h5(buf, path="m.h5")
Traceback (most recent call last):
    ...
nnviz.errors.ReadError: m.h5: link '/elsewhere' points into another file ('/etc/secrets.h5'); nnviz reads nothing outside the file it was given
"""

from __future__ import annotations

from typing import Any

from ..errors import ReadError

__all__ = ["open_h5", "check_h5", "MAX_LINKS"]

MAX_LINKS = 1_000_000  # links walked before a file counts as hostile (ResNet152's .h5 has about 2,000)

_WHY = "nnviz reads nothing outside the file it was given"


def open_h5(source: Any, *, path: object, member: str | None = None) -> Any:
    """``h5py.File(source, "r")``, checked with :func:`check_h5` before it is returned.

    Args:
        source: a file name or a binary file object.
        path: the file to name in messages (for a zip member: the zip).
        member: the zip member ``source`` is, to name it in messages too.

    Returns:
        The open ``h5py.File``; the caller closes it.

    Raises:
        ReadError: the file sends a read outside itself (and is closed again).
        OSError, ValueError: h5py cannot open it (the callers turn these into ReadError).
    """
    import h5py

    f = h5py.File(source, "r")
    try:
        check_h5(f, path=path, member=member)
    except BaseException:
        f.close()
        raise
    return f


def _shown(value: Any) -> str:
    text = value.decode("utf-8", "backslashreplace") if isinstance(value, bytes) else str(value)
    return repr(text if len(text) <= 200 else text[:200] + "...")


def check_h5(f: Any, *, path: object, member: str | None = None) -> None:
    """Refuse a file with links other than hard links, external storage or virtual datasets.

    Args:
        f: an open ``h5py.File``.
        path: the file to name in messages.
        member: the zip member ``f`` is, if it is one.

    Raises:
        ReadError: naming the first link or dataset that would read outside the file.
    """
    from h5py import h5d, h5l, h5o

    problem: list[str] = []
    count = [0]

    def visit(name: bytes, info: Any) -> Any:
        count[0] += 1
        shown = _shown(b"/" + name)
        if count[0] > MAX_LINKS:
            problem.append(f"more than {MAX_LINKS:,} links (a hostile file?)")
            return 1
        if info.type == h5l.TYPE_EXTERNAL:
            target = f.id.links.get_val(name)
            problem.append(f"link {shown} points into another file ({_shown(target[0])})")
            return 1
        if info.type == h5l.TYPE_SOFT:
            problem.append(f"link {shown} is a soft link (to {_shown(f.id.links.get_val(name))})")
            return 1
        if info.type != h5l.TYPE_HARD:
            problem.append(f"link {shown} is a user-defined link (type {info.type})")
            return 1
        obj = h5o.open(f.id, name)  # every link on the way is hard: H5Lvisit follows no other
        if isinstance(obj, h5d.DatasetID):
            plist = obj.get_create_plist()
            if plist.get_layout() == h5d.VIRTUAL:
                problem.append(f"dataset {shown} is virtual (its data comes from other datasets, "
                               "possibly other files)")
                return 1
            if plist.get_external_count() > 0:
                problem.append(f"dataset {shown} keeps its data in another file "
                               f"({_shown(plist.get_external(0)[0])})")
                return 1
        return None

    f.id.links.visit(visit, info=True)
    if problem:
        where = f"{member}: " if member else ""
        raise ReadError(f"{where}{problem[0]}; {_WHY}", path=path)
