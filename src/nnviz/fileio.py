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

__all__ = ["atomic_path", "write_atomic", "check_target", "check_regular", "open_regular", "private_folder"]

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

    A file that is there keeps its permissions (a 0600 file stays 0600); one its owner may not
    write is not replaced. The temporary name is short enough for any target name the file
    system allows. Nothing is left behind when writing fails.

    Raises:
        NnvizError: the folder is missing, the file read-only, or the system refuses the
            write (``/proc``, ``/sys``, a read-only file system, a full disk, a name too long).

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
    mode = _replaced_mode(target)
    tmp_path: Path | None = None
    try:
        prefix, suffix = _temp_affixes(target.name, folder)
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
        os.close(fd)
        tmp_path = Path(tmp)
        os.chmod(tmp_path, mode)  # mkstemp makes the file 0600
        yield tmp_path
        os.replace(tmp_path, target)
    except OSError as err:
        raise NnvizError(f"cannot write the file: {err.strerror or err}", path=target) from err
    finally:
        if tmp_path is not None and tmp_path.exists():
            tmp_path.unlink()


def check_target(path: str | os.PathLike) -> None:
    """Fail now, as :func:`atomic_path` would later, when ``path`` cannot be written (before long work).

    Raises:
        NnvizError: the folder is missing, or the file there is read-only or no regular file.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise NnvizError(f"the folder {str(folder)!r} does not exist", path=target)
    _replaced_mode(target)


def _replaced_mode(target: Path) -> int:
    """The permissions the output gets: the replaced file's, else the usual ones under the umask.

    Raises:
        NnvizError: the file there is one nnviz should not replace (read-only, or not a file).
    """
    try:
        st = os.stat(target)
    except OSError:  # nothing there (or nothing nnviz can see): a new file
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    if not stat.S_ISREG(st.st_mode):  # a folder, a device, a FIFO: the rename would put a file in its place
        raise NnvizError("is not a regular file: nnviz does not replace it", path=target)
    if not _may_write(target, st):
        raise NnvizError("the file is read-only: nnviz does not replace it", path=target,
                         hint="make it writable (chmod u+w) or choose another name")
    return stat.S_IMODE(st.st_mode)


def _may_write(target: Path, st: os.stat_result) -> bool:
    """Whether the user may write the file, by its mode bits (and, but for root, by ``os.access``).

    Replacing a file takes only the folder's permission, so the file's own mode is checked; root
    may write anything, so for root the owner's write bit decides (a file made read-only stays so).
    """
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # Windows: the read-only attribute is the write bit
        return bool(st.st_mode & stat.S_IWRITE)
    uid = getuid()
    if uid == 0 or st.st_uid == uid:
        bit = stat.S_IWUSR
    elif st.st_gid == os.getgid() or st.st_gid in os.getgroups():
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    return bool(st.st_mode & bit) and (uid == 0 or os.access(target, os.W_OK))


_RANDOM = 8  # the characters mkstemp puts between prefix and suffix


def _temp_affixes(name: str, folder: Path) -> tuple[str, str]:
    """``mkstemp``'s prefix and suffix for a target name: ``.NAME.`` and ``.partSUFFIX``, short enough.

    The temporary name keeps the target's suffix (writers choose their format by it) and as
    much of its name as the file system's name limit leaves room for.

    >>> _temp_affixes("net.svg", Path("."))
    ('.net.svg.', '.part.svg')
    >>> prefix, suffix = _temp_affixes("n" * 250 + ".svg", Path("."))
    >>> len(prefix) + _RANDOM + len(suffix) <= 255, suffix
    (True, '.part.svg')
    """
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    suffix = ".part" + Path(name).suffix
    if len(os.fsencode(suffix)) > limit // 2:  # an odd name that is mostly "suffix": keep none of it
        suffix = ".part"
    room = limit - _RANDOM - len(os.fsencode(suffix)) - 2  # 2: the dots around the name
    kept = name
    while len(os.fsencode(kept)) > room:
        kept = kept[: -max(1, (len(os.fsencode(kept)) - room) // 4)]
    return f".{kept}.", suffix


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
