"""An installable distribution: the sdist and wheel carry the contexts, templates, static files
and crosswalk tables; the wheel installed into a clean virtualenv runs ``ingest``, ``build``
and ``serve`` from an unrelated directory; and ldindex describes its own wheel well.

Offline: the wheel is installed with ``--no-deps`` into a virtualenv without system site
packages, and only the third-party dependencies come from this test environment (its
site-packages on a ``.pth`` line *after* the new environment's own), so ``crosswalk`` and
``publisher`` can only be imported from the wheel.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from email.parser import BytesParser
from pathlib import Path

import httpx
import pytest
from rdflib import Namespace, URIRef

from crosswalk.jsonld import graph_from_jsonld
from tests.conftest import SHARED_ARTEFACTS, build_index, free_port
from tests.distribution import Built, build_distributions
from tests.web.conftest import BASE, client_for

pytestmark = pytest.mark.xdist_group("distribution")

SCHEMA = Namespace("http://schema.org/")
# What a verb reads at run time, as the wheel must carry it.
WHEEL_DATA = [
    "crosswalk/crosswalk.csv",
    "crosswalk/license-classifiers.csv",
    "crosswalk/py.typed",
    "crosswalk/context-files/codemeta-3.0.jsonld",
    "crosswalk/context-files/ldindex.jsonld",
    "crosswalk/context-files/ldindex-vocab.ttl",
    "publisher/py.typed",
    "publisher/templates/base.html",
    "publisher/templates/release.html",
    "publisher/templates/project.html",
    "publisher/templates/_extrinsic.html",
    "publisher/templates/style.css",
    "publisher/templates/site.js",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_distributions(tmp_path_factory.mktemp("distribution"))


def test_sdist_carries_the_sources_and_their_data(built: Built) -> None:
    top = f"ldindex-{built.version}"
    with tarfile.open(built.sdist) as sdist:
        names = {n.removeprefix(f"{top}/") for n in sdist.getnames()}
    checkout = Path(__file__).resolve().parent.parent
    for folder in ("contexts", "templates"):
        shipped = {p.relative_to(checkout).as_posix() for p in (checkout / folder).iterdir()}
        assert shipped <= names, shipped - names
    for name in ("README.md", "LICENSE", "setup.py", "pyproject.toml", "crosswalk/crosswalk.csv"):
        assert name in names, name


def test_wheel_carries_the_data_and_complete_metadata(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        dist_info = f"ldindex-{built.version}.dist-info"
        metadata = BytesParser().parsebytes(wheel.read(f"{dist_info}/METADATA"))
        entry_points = wheel.read(f"{dist_info}/entry_points.txt").decode()
    assert not [n for n in WHEEL_DATA if n not in names]
    assert f"{dist_info}/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/", "contexts/", "templates/"))]
    assert metadata["Version"] == built.version
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata["Requires-Python"] == ">=3.11"
    labels = [u.split(",")[0] for u in metadata.get_all("Project-URL")]
    assert {"Homepage", "Vocabulary"} <= set(labels)
    classifiers = metadata.get_all("Classifier")
    assert "Programming Language :: Python :: 3.12" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # the expression says it
    assert "ldindex = publisher.cli:main" in entry_points


def _clean_environment(root: Path, built: Built) -> Path:
    """A virtualenv with the wheel installed and nothing else of this project."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(built.wheel)],
        check=True, timeout=120,
    )  # fmt: skip
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    # Third-party dependencies from this environment, searched after the wheel's own.
    (site / "zz-third-party.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def _run(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"}
    return subprocess.run(
        [str(venv / "bin" / "ldindex"), *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_wheel_works_in_a_clean_virtualenv_from_any_directory(
    built: Built, tmp_path: Path
) -> None:
    venv = _clean_environment(tmp_path, built)
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import crosswalk, publisher, jinja2; print(crosswalk.__file__); "
         "print(publisher.__file__); print(jinja2.__file__)"],
        cwd=work, capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(venv) for p in where[:2]), where
    assert not Path(where[2]).is_relative_to(venv)  # a dependency, from the test environment

    version = _run(venv, work, "--version")
    assert version.returncode == 0 and version.stdout.strip().endswith(built.version), version

    artefacts = [SHARED_ARTEFACTS / n for n in ("attrs-25.3.0-py3-none-any.whl",
                                                "msgpack-1.1.0.tar.gz")]  # fmt: skip
    ingest = _run(venv, work, "ingest", *map(str, artefacts), str(built.wheel))
    assert ingest.returncode == 0, ingest.stderr
    assert (work / "ldindex.db").is_file()

    exported = _run(venv, work, "build", "site")
    assert exported.returncode == 0, exported.stderr
    assert (work / "site" / "_" / "static" / "style.css").is_file()
    page = (work / "site" / "project" / "ldindex" / built.version / "index.html").read_text()
    assert "ldindex" in page and 'property="schema:license"' in page

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8"}
    server = subprocess.Popen(
        [str(venv / "bin" / "ldindex"), "serve", "--port", str(port), "--base-url", url],
        cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                httpx.get(f"{url}/robots.txt", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "ldindex serve did not answer"
                time.sleep(0.1)
        release = httpx.get(f"{url}/project/attrs/25.3.0/")
        assert release.status_code == 200 and "attrs" in release.text
        codemeta = httpx.get(f"{url}/project/attrs/25.3.0/codemeta.json")
        assert codemeta.status_code == 200 and codemeta.json()["version"] == "25.3.0"
        vocab = httpx.get(f"{url}/_/vocab", headers={"Accept": "text/turtle"})
        assert vocab.status_code == 200 and "ldx:DistributionFile" in vocab.text
        style = httpx.get(f"{url}/_/static/style.css")
        assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
        assert ".files" in style.text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_ldindex_describes_its_own_wheel(built: Built, tmp_path: Path) -> None:
    index = build_index(tmp_path / "self", built.wheel)
    path = f"/project/ldindex/{built.version}/"
    with client_for(index) as client:
        page = client.get(path).text
        codemeta = client.get(f"{path}codemeta.json").json()
    # licence shown and linked to SPDX
    assert re.search(
        r'<a property="schema:license" href="https://spdx.org/licenses/MIT"[^>]*>MIT</a>', page
    )
    # the project's links with their labels, the URL on hover
    with zipfile.ZipFile(built.wheel) as wheel:
        metadata = BytesParser().parsebytes(
            wheel.read(f"ldindex-{built.version}.dist-info/METADATA")
        )
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL"))
    for label, url in urls.items():
        if list(urls.values()).index(url) == list(urls).index(label):  # the first with its URL
            assert f'<a href="{url}" title="{url}">{label}</a>' in page, label
    # classifiers grouped by their first segment
    classifiers = page[page.index('<dl class="classifiers">') : page.index("</dl>")]
    for family in ("Development Status", "Intended Audience", "Programming Language", "Topic"):
        assert f"<dt>{family}</dt>" in classifiers
    assert "<dd>Python &gt; 3.12</dd>" in classifiers
    # the README rendered, not shown as Markdown source
    start = page.index('id="description"')
    description = page[start : page.index("</section>", start)]
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    sections = len(re.findall(r"^## ", readme, re.M))
    assert description.count('<h2 id="user-content-') == sections > 2
    assert "<pre>" in description and "<table>" in description
    assert "```" not in description and "\n## " not in description
    # its command
    commands = page[
        page.index('id="commands"') : page.index("</section>", page.index('id="commands"'))
    ]
    assert "<code>ldindex</code>" in commands and "publisher.cli:main" in commands
    graph = graph_from_jsonld(codemeta)
    release = URIRef(f"{BASE}{path}")
    assert graph.value(release, SCHEMA.license) == URIRef("https://spdx.org/licenses/MIT")
    assert graph.value(release, SCHEMA.url) == URIRef(urls["Homepage"])


def test_version_comes_from_one_place(built: Built) -> None:
    """pyproject.toml states it; the installed metadata and ``ldindex --version`` read it."""
    from importlib.metadata import version

    assert version("ldindex") == built.version
    result = subprocess.run(
        [sys.executable, "-m", "publisher.cli", "--version"], capture_output=True, text=True
    )
    assert result.stdout.strip() == f"ldindex, version {built.version}"
    checkout = Path(__file__).resolve().parent.parent
    sources = [*checkout.glob("crosswalk/**/*.py"), *checkout.glob("publisher/**/*.py")]
    assert not [p for p in sources if "__version__" in p.read_text()]
