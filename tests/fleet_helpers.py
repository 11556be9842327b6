"""Build fleets of collected ZenML config dirs from the genuine fixtures, for tests and benchmarks."""

import shutil
import tarfile
import zipfile
from pathlib import Path

from conftest import FIXTURES

# Fixture cases that hold local profiles with stacks; each collected host is a copy of one of them.
FLEET_CASES = ("multi-stack", "custom-flavor", "odd-names", "multi-profile", "many-stacks")


def _pack_tar(source: Path, archive: Path) -> None:
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(source, arcname=source.name)


def _pack_zip(source: Path, archive: Path) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(source.rglob("*")):
            bundle.write(path, path.relative_to(source.parent).as_posix())


def build_fleet(directory: Path, count: int, cases: tuple[str, ...] = FLEET_CASES) -> list[Path]:
    """Write `count` collected config dirs into `directory`: dirs, .tar.gz and .zip in turn, with varied names."""
    directory.mkdir(parents=True, exist_ok=True)
    sources = []
    for index in range(count):
        case = cases[index % len(cases)]
        host = f"host-{index:03d}.{case}" if index % 7 else f"Host {index:03d} ({case})"
        staging = directory / ".staging" / host
        shutil.copytree(FIXTURES / case, staging)
        if index % 3 == 1:
            target = directory / f"{host}.tar.gz"
            _pack_tar(staging, target)
        elif index % 3 == 2:
            target = directory / f"{host}.zip"
            _pack_zip(staging, target)
        else:
            target = directory / host
            shutil.move(str(staging), target)
        sources.append(target)
    shutil.rmtree(directory / ".staging", ignore_errors=True)
    return sources
