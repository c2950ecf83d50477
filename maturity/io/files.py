"""Writing files so that nothing is lost: atomic, exclusive unless forced, never over an input.

Every file the library writes goes through :func:`write_bytes`:

- the bytes go to a temporary file in the target's directory, which is then linked or renamed
  into place, so a reader never sees half a file; on Linux the temporary file has no name
  (``O_TMPFILE``) until it is complete, so even a process killed with ``SIGKILL`` half way
  leaves nothing behind (elsewhere a killed process may leave a ``.maturity-*.tmp`` file, never
  a partial output under the target's name);
- without ``force`` the target is created *exclusively*: ``os.link`` fails if the name exists,
  so two runs racing for one name cannot both succeed (the loser gets
  :class:`OutputExistsError`), unlike a check followed by a rename;
- with ``force`` an existing file is replaced atomically (``os.replace``).

:func:`check_outputs` refuses, before anything is written, an output that is also an input of
the same command (``score a.csv -o a.csv --force`` would replace the answers with the scores)
and a name too long for the file system.
"""

from __future__ import annotations

import errno
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path

from maturity.errors import MaturityError

__all__ = [
    "MAX_NAME_BYTES",
    "OutputExistsError",
    "OutputIsInputError",
    "check_outputs",
    "write_bytes",
    "write_text",
]

#: The longest file name (in UTF-8 bytes) the library writes: common file systems allow 255.
MAX_NAME_BYTES = 255


class OutputExistsError(MaturityError, FileExistsError):
    """An output file exists and overwriting was not asked for (``force=True``/``--force``)."""


class OutputIsInputError(MaturityError, ValueError):
    """An output file is also an input of the same command."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:  # pragma: no cover - a race with a deletion
        return False


def check_outputs(outputs: Iterable[str | Path], inputs: Iterable[str | Path] = ()) -> None:
    """Refuse outputs that are inputs, or whose names the file system cannot hold.

    Raises:
        OutputIsInputError: an output is the same file (or the same path) as an input.
        MaturityError: an output's name is longer than :data:`MAX_NAME_BYTES` bytes.

    """
    ins = [Path(p) for p in inputs]
    resolved_ins = {str(p.resolve()) for p in ins}
    for out in map(Path, outputs):
        if len(out.name.encode("utf-8")) > MAX_NAME_BYTES:
            raise MaturityError(
                f"{out.name[:40]}...: the file name is longer than {MAX_NAME_BYTES} bytes"
            )
        if str(out.resolve()) in resolved_ins or any(_same_file(out, i) for i in ins):
            raise OutputIsInputError(
                f"{out}: the output is also an input of this command; write it elsewhere"
            )


def _exists_error(p: Path) -> OutputExistsError:
    return OutputExistsError(f"{p}: the file exists; use --force (force=True) to overwrite it")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


#: errno values by which ``open(O_TMPFILE)`` or the link of ``/proc/self/fd/N`` says it is not
#: supported here (file system, kernel or no ``/proc``): the named temporary file is used.
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT, errno.EPERM}


def _link_fd(fd: int, target: Path) -> None:
    """Give the open file ``fd`` the name ``target``: ``linkat`` of ``/proc/self/fd/N`` with
    ``AT_SYMLINK_FOLLOW`` (``os.link`` without a directory fd calls ``link``, which does not
    follow the magic link).
    """
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(fd), target, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


def _write_unnamed(p: Path, data: bytes, force: bool) -> bool:
    """Write through an unnamed temporary file (Linux ``O_TMPFILE``), linked into place once
    complete. False when the system cannot, so that the caller writes another way.
    """
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return False
    try:
        fd = os.open(p.parent, flag | os.O_WRONLY, 0o644)
    except OSError as exc:
        if exc.errno in _NO_TMPFILE:
            return False
        raise
    try:
        _write_all(fd, data)
        os.fchmod(fd, 0o644)  # outputs are ordinary files, whatever the umask
        if not force:
            try:
                _link_fd(fd, p)  # fails if the name exists
            except FileExistsError:
                raise _exists_error(p) from None
            except OSError as exc:
                if exc.errno in _NO_TMPFILE or exc.errno == errno.EXDEV:
                    return False
                raise
            return True
        tmp = p.parent / f".maturity-{secrets.token_hex(8)}.tmp"
        try:
            _link_fd(fd, tmp)
        except OSError as exc:
            if exc.errno in _NO_TMPFILE or exc.errno == errno.EXDEV:
                return False
            raise
        try:
            os.replace(tmp, p)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True
    finally:
        os.close(fd)


def write_bytes(path: str | Path, data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; create it exclusively unless ``force``.

    Raises:
        OutputExistsError: ``path`` exists (or was created meanwhile) and ``force`` is False.

    """
    p = Path(path)
    if not force and (p.exists() or p.is_symlink()):
        raise _exists_error(p)
    if len(p.name.encode("utf-8")) > MAX_NAME_BYTES:
        raise MaturityError(
            f"{p.name[:40]}...: the file name is longer than {MAX_NAME_BYTES} bytes"
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    if _write_unnamed(p, data, force):
        return p
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".maturity-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes the file private; outputs are ordinary files
        if force:
            os.replace(tmp, p)
        else:
            try:
                os.link(tmp, p)  # fails if the name exists: exclusive creation
            except FileExistsError:
                raise _exists_error(p) from None
            except OSError:  # a file system without hard links: O_EXCL, then rename
                fd2 = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.close(fd2)
                os.replace(tmp, p)
            else:
                os.unlink(tmp)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def write_text(path: str | Path, text: str, *, force: bool = False) -> Path:
    """:func:`write_bytes` of ``text`` encoded as UTF-8."""
    return write_bytes(path, text.encode("utf-8"), force=force)
