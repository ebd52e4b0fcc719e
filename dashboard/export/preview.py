"""Previews of the Word and PowerPoint briefings on this server (LibreOffice → PDF → PNG).

The files name the 公文 fonts (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312); a server seldom has
them.  For a preview, fontconfig is told to fall back to the Noto CJK face of the same kind
(serif for 宋/仿宋/楷, sans for 黑体) instead of whatever it finds first, so the preview's
line breaks and page breaks are close to what an office PC shows.  The documents themselves
are not changed: the fallback lives only in the preview's environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

from dashboard.export import document

__all__ = ["FALLBACKS", "PreviewError", "fontconfig_file", "to_pdf", "to_pngs"]

FALLBACKS: dict[str, str] = {
    document.TITLE_FONT: document.SERIF_FALLBACK,
    document.BODY_FONT: document.SERIF_FALLBACK,
    document.HEADING2_FONT: document.SERIF_FALLBACK,
    document.HEADING_FONT: document.SANS_FALLBACK,
    "宋体": document.SERIF_FALLBACK,
    "仿宋": document.SERIF_FALLBACK,
    "楷体": document.SERIF_FALLBACK,
}


class PreviewError(RuntimeError):
    """LibreOffice or poppler is missing or failed (message in Chinese)."""


def fontconfig_file(directory: Path) -> Path:
    """A fontconfig file: the system's configuration plus the Noto fallbacks (``accept``: an
    installed 公文 font still wins)."""
    aliases = "".join(
        f"<alias><family>{escape(name)}</family><accept><family>{escape(noto)}</family>"
        "</accept></alias>"
        for name, noto in FALLBACKS.items()
    )
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"{aliases}</fontconfig>",
        encoding="utf-8",
    )
    return path


def to_pdf(source: Path, directory: Path, timeout: float = 180) -> Path:
    """``source`` (.docx/.pptx) as a PDF in ``directory`` (named after the source's stem)."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        raise PreviewError(
            "本机未安装 LibreOffice，无法生成预览；请安装 libreoffice-writer 与 libreoffice-impress。"
        )
    env = {
        "HOME": str(directory),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "FONTCONFIG_FILE": str(fontconfig_file(directory)),
    }
    try:
        subprocess.run(
            [office, "--headless", "--convert-to", "pdf", "--outdir", str(directory), str(source)],
            check=True,
            capture_output=True,
            timeout=timeout,
            env=env,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PreviewError(f"LibreOffice 未能把 {source.name} 转为 PDF：{exc}") from exc
    pdf = directory / f"{source.stem}.pdf"
    if not pdf.exists():
        raise PreviewError(f"LibreOffice 未生成 {pdf.name}，请检查文件能否用 Word 或 WPS 打开。")
    return pdf


def to_pngs(source: Path, directory: Path, dpi: int = 40) -> list[Path]:
    """Every page of ``source`` as a PNG (``<stem>-<n>.png``), in page order."""
    pdf = to_pdf(source, directory)
    if shutil.which("pdftoppm") is None:
        raise PreviewError("本机未安装 poppler-utils（pdftoppm），无法生成预览图片。")
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(directory / source.stem)],
        check=True,
        timeout=120,
    )
    pages = directory.glob(f"{source.stem}-*.png")
    return sorted(pages, key=lambda p: int(p.stem.rsplit("-", 1)[1]))
