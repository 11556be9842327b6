"""Unpack collected config dirs (`.tar.gz`, `.tgz`, `.tar`, `.zip`) safely.

Every member is checked before anything is written: no absolute path, no
`..`, no link, no device or other special file, and limits on member count,
member size and total size. A rejected archive raises `ArchiveError` naming
the member, and nothing of it is left on disk.
"""

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from migrator.errors import InputError

# Collected ZenML config dirs hold YAML files of a few kilobytes and at most a
# few SQLite files; these limits only stop hostile or mistaken archives.
MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


class ArchiveError(InputError):
    """Raised for an archive that is unreadable or contains an unsafe member."""


def is_archive(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and name.endswith(ARCHIVE_SUFFIXES)


def archive_stem(path: Path) -> str:
    """Return the file name without its archive suffix: `host-a.tar.gz` gives `host-a`."""
    name = path.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _check_name(archive: Path, name: str) -> PurePosixPath:
    member = PurePosixPath(name)
    if member.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"{archive}: member '{name}' has an absolute path; the archive is rejected")
    if ".." in member.parts or "\\" in name:
        raise ArchiveError(f"{archive}: member '{name}' would be written outside the extraction dir; the archive is rejected")
    return member


def _check_sizes(archive: Path, name: str, size: int, total: int, count: int) -> None:
    if count > MAX_MEMBERS:
        raise ArchiveError(f"{archive}: more than {MAX_MEMBERS} members; the archive is rejected")
    if size > MAX_MEMBER_BYTES:
        raise ArchiveError(f"{archive}: member '{name}' is {size} bytes, more than the limit of {MAX_MEMBER_BYTES}")
    if total > MAX_TOTAL_BYTES:
        raise ArchiveError(f"{archive}: unpacks to more than {MAX_TOTAL_BYTES} bytes; the archive is rejected")


def extract_archive(archive: Path, destination: Path) -> Path:
    """Unpack `archive` into the new dir `destination` and return it.

    Raises `ArchiveError` for an unsafe or unreadable archive; `destination`
    is removed again in that case.
    """
    destination.mkdir(parents=True, exist_ok=False)
    try:
        if archive.name.lower().endswith(".zip"):
            _extract_zip(archive, destination)
        else:
            _extract_tar(archive, destination)
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    return destination


def _extract_tar(archive: Path, destination: Path) -> None:
    try:
        with tarfile.open(archive, "r:*") as bundle:
            members = []
            total = 0
            for count, member in enumerate(bundle, start=1):
                _check_name(archive, member.name)
                if member.issym() or member.islnk():
                    raise ArchiveError(f"{archive}: member '{member.name}' is a link to '{member.linkname}'; links are not allowed")
                if not (member.isfile() or member.isdir()):
                    raise ArchiveError(f"{archive}: member '{member.name}' is a device or special file; it is not allowed")
                total += member.size
                _check_sizes(archive, member.name, member.size, total, count)
                members.append(member)
            # The data filter repeats the path and link checks and drops permission bits we do not want.
            bundle.extractall(destination, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ArchiveError(f"{archive}: cannot unpack: {error}") from None


def _extract_zip(archive: Path, destination: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as bundle:
            infos = bundle.infolist()
            total = 0
            for count, info in enumerate(infos, start=1):
                member = _check_name(archive, info.filename)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise ArchiveError(f"{archive}: member '{info.filename}' is a link; links are not allowed")
                # Zip writers often store permission bits without a file type; such a member is a plain file.
                if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    raise ArchiveError(f"{archive}: member '{info.filename}' is a device or special file; it is not allowed")
                total += info.file_size
                _check_sizes(archive, info.filename, info.file_size, total, count)
                target = destination.joinpath(*member.parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with bundle.open(info) as source, open(target, "wb") as sink:
                    while chunk := source.read(1024 * 1024):
                        written += len(chunk)
                        if written > info.file_size or written > MAX_MEMBER_BYTES:
                            raise ArchiveError(f"{archive}: member '{info.filename}' unpacks to more bytes than it declares")
                        sink.write(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as error:
        raise ArchiveError(f"{archive}: cannot unpack: {error}") from None
