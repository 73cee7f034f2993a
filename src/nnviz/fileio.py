"""Files safely: outputs to a temporary file beside the target, then renamed into place; inputs only regular.

An existing output is replaced only once the new one is complete, so an
interrupt never leaves a half-written image, page or model behind. An input
that is no regular file (``/dev/zero``, a FIFO, a socket) is refused: read, it
would never end or never start.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .errors import NnvizError, ReadError

__all__ = ["atomic_path", "write_atomic", "check_regular", "open_regular", "private_folder"]

_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def _refuse(mode: int, path: object) -> None:
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "not a plain file")
        raise ReadError(f"not a regular file ({kind}): nnviz reads only files and folders", path=path)


def check_regular(path: str | os.PathLike, *, folders: bool = False) -> None:
    """Refuse a path that is no regular file (nor, with ``folders``, a directory).

    Raises:
        ReadError: it is a FIFO, a device or a socket (or a directory without ``folders``).

    >>> check_regular("/dev/null")
    Traceback (most recent call last):
    ...
    nnviz.errors.ReadError: /dev/null: not a regular file (a character device): nnviz reads only files and folders
    """
    mode = os.stat(path).st_mode
    if not (folders and stat.S_ISDIR(mode)):
        _refuse(mode, path)


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open a regular file for reading; refuse anything else without blocking (a FIFO with no writer).

    Raises:
        ReadError: the path is no regular file.
        OSError: it cannot be opened.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        _refuse(os.fstat(fd).st_mode, path)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hi")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('hi', ['a.txt'])
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise NnvizError(f"the folder {str(folder)!r} does not exist", path=target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part" + target.suffix, dir=folder)
    os.close(fd)
    # mkstemp makes the file private (0600); outputs get the usual permissions under the umask
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomic(path: str | os.PathLike, data: bytes | str | Callable[[Path], None]) -> Path:
    """Write bytes, text, or whatever ``data(tmp_path)`` writes, atomically to ``path``."""
    with atomic_path(path) as tmp:
        if callable(data):
            data(tmp)
        elif isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)


def private_folder(name: str = "nnviz") -> Path:
    """A folder in the temporary folder that only this user can enter: ``$TMPDIR/NAME-UID``, mode 0700.

    The temporary folder is shared, so a fixed name there may be planted by another user: a
    link to a folder of the victim's, or a folder the planter can write to (and swap a page in
    before the browser opens it). The folder is used only when it is a real directory (no
    link), owned by this user and closed to others; otherwise a fresh ``mkdtemp`` one is made.

    >>> folder = private_folder()
    >>> oct(folder.stat().st_mode & 0o777), folder.is_symlink()
    ('0o700', False)
    """
    tmp = Path(tempfile.gettempdir())
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the temporary folder is the user's own
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))
    folder = tmp / f"{name}-{getuid()}"
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))
    st = os.lstat(folder)
    if stat.S_ISDIR(st.st_mode) and st.st_uid == getuid() and not st.st_mode & 0o077:
        return folder
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))  # someone else's, or a link: not used
