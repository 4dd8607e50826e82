"""The desktop metadata, the icons and the bundle spec that packaging/ and resources/ ship."""

from __future__ import annotations

import ast
import configparser
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESOURCES = ROOT / "resources"
PACKAGING = ROOT / "packaging"
MIME_TYPE = "application/x-gatewright-sop+json"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in desktop files
    parser.read(RESOURCES / "gatewright.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def entry_list(value: str) -> list[str]:
    assert value.endswith(";"), "desktop-file lists end with a semicolon"
    return value.rstrip(";").split(";")


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, which always comes first."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR", f"{path}: the first chunk is not IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_desktop_entry_has_the_keys_a_launcher_needs():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Gatewright"
    assert entry["Comment"]
    assert entry["Exec"].split() == ["gatewright", "gui", "%f"]
    assert entry["Icon"] == "gatewright"
    assert entry["Terminal"] == "false"
    assert set(entry_list(entry["Categories"])) == {"Development", "Office"}


def test_desktop_entry_opens_sop_files():
    assert entry_list(desktop_entry()["MimeType"]) == [MIME_TYPE]


def test_mime_type_matches_sop_files_only():
    root = ET.parse(RESOURCES / "gatewright-mime.xml").getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    (mime,) = root.findall(f"{MIME_NS}mime-type")
    assert mime.get("type") == MIME_TYPE
    globs = [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")]
    assert globs == ["*.sop.json"]
    assert mime.findtext(f"{MIME_NS}comment")
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/json"


def test_metainfo_describes_the_desktop_application():
    root = ET.parse(RESOURCES / "io.gatewright.Gatewright.metainfo.xml").getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == "io.gatewright.Gatewright"
    assert root.findtext("name") == "Gatewright"
    assert root.findtext("summary")
    assert len(root.findall("description/p")) >= 2
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "Apache-2.0"
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert (RESOURCES / launchable.text).is_file(), "the launchable names the desktop file"
    assert root.findtext("provides/binary") == "gatewright"
    assert root.findtext("provides/mediatype") == MIME_TYPE
    assert root.find("content_rating") is not None
    assert "0.1.0" in [r.get("version") for r in root.findall("releases/release")]


def test_metainfo_urls_name_no_real_host():
    root = ET.parse(RESOURCES / "io.gatewright.Gatewright.metainfo.xml").getroot()
    urls = [url.text or "" for url in root.findall("url")]
    assert urls
    for url in urls:
        host = url.split("://", 1)[1].split("/", 1)[0]
        assert host.endswith(".example"), f"{url}: use a reserved .example host"


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_exists_at_each_size_with_its_pixel_dimensions(size):
    icon = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "gatewright.png"
    assert icon.is_file(), f"missing {icon.relative_to(ROOT)}; run packaging/make_icons.py"
    assert png_size(icon) == (size, size)


def test_scalable_icon_is_an_svg():
    svg = ET.parse(RESOURCES / "icons" / "hicolor" / "scalable" / "apps" / "gatewright.svg")
    root = svg.getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


def test_spec_bundles_the_data_folders_fonts_and_entry_script():
    spec = (PACKAGING / "gatewright.spec").read_text(encoding="utf-8")
    for needle in ('"sop_templates"', '"resources"', '"fonts"', "entry.py", "hookspath"):
        assert needle in spec, f"packaging/gatewright.spec no longer mentions {needle}"
    assert (PACKAGING / "entry.py").is_file()


def test_run_time_hook_replacement_is_declared():
    """packaging/hooks/rthooks.dat replaces PyInstaller's PySide6 run-time hook by name."""
    hooks = PACKAGING / "hooks"
    declared = ast.literal_eval((hooks / "rthooks.dat").read_text(encoding="utf-8"))
    for files in declared.values():
        for name in files:
            assert (hooks / "rthooks" / name).is_file()
