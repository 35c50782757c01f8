"""Build step that pyproject.toml cannot declare: a wheel carries README.md and docs/*.md.

``python -m sparkfly_client.sandbox demo`` runs every documented example; installed from a wheel,
there is no checkout to read them from, so the build copies them into
``sparkfly_client/sandbox/documents/`` (git keeps the one copy, in the checkout). An editable install
reads the checkout itself and gets no copy.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import FileError

ROOT = Path(__file__).resolve().parent
DOCUMENTS = Path("sparkfly_client", "sandbox", "documents")


class BuildPyWithDocuments(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        sources = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        if len(sources) < 2 or not sources[0].is_file():
            raise FileError(f"README.md and docs/*.md are missing from {ROOT}; the demo would have no examples")
        for source in sources:
            target = Path(self.build_lib) / DOCUMENTS / source.relative_to(ROOT)
            self.mkpath(str(target.parent))
            self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithDocuments})
