"""The renderer: a URL fetcher that serves only the documents' own resources, the CJK faces it
embeds, and a clear error when the font package is missing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from procure.pdf import render
from procure.pdf.render import (
    CJKFontMissing,
    ResourceRefused,
    SafeURLFetcher,
    font_face,
    html_to_pdf,
)
from tests.pdf.conftest import read_pdf


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/",
        "http://localhost:8000/api/v1/users",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x.css",
        "https://example.com/font.woff2",
        "ftp://example.com/x",
        "procure-pdf:/assets/../../../../etc/passwd",
        "procure-pdf:/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "procure-pdf:/assets/",
        "procure-pdf:/assets/no-such.css",
        "procure-pdf:/fonts/../../etc/passwd",
        "procure-pdf:/fonts/comic-sans",
        "procure-pdf:/etc/passwd",
    ],
)
def test_the_fetcher_refuses_anything_but_its_own_resources(url: str) -> None:
    with pytest.raises(ResourceRefused, match="refused"):
        SafeURLFetcher().fetch(url)


def test_the_fetcher_serves_the_stylesheet_the_faces_and_data_urls() -> None:
    fetcher = SafeURLFetcher()
    css = fetcher.fetch("procure-pdf:/assets/document.css").read()
    assert b"@font-face" in css and b"procure-pdf:/fonts/serif" in css
    face = fetcher.fetch("procure-pdf:/fonts/serif").read()
    assert face[:4] == b"OTTO"  # one OpenType CFF face, cut out of the .ttc collection
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read() == "中文".encode()


def test_a_document_cannot_reach_files_or_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    asked: list[str] = []
    fetch = SafeURLFetcher.fetch

    def spy(self: SafeURLFetcher, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    hostile = """<html><head>
      <link rel="stylesheet" href="file:///etc/passwd">
      <link rel="stylesheet" href="http://127.0.0.1:9/steal.css">
      <style>@import url("https://example.com/x.css");</style>
      <link rel="stylesheet" href="procure-pdf:/assets/document.css"></head>
      <body><p>正文</p><img src="file:///etc/shadow"><img src="relative.png"></body></html>"""
    with caplog.at_level(logging.WARNING):
        rendered = read_pdf("hostile.pdf", html_to_pdf(hostile), tmp_path)
    assert "正文" in rendered.text and "root:" not in rendered.text
    refused = {
        "file:///etc/passwd",
        "http://127.0.0.1:9/steal.css",
        "https://example.com/x.css",
        "file:///etc/shadow",
    }
    assert refused <= set(asked)
    assert not any("relative.png" in url for url in asked)  # no base URL: nothing to resolve it to
    assert sum("refused" in message for message in caplog.messages) >= len(refused)


def test_each_face_is_the_simplified_chinese_one() -> None:
    from io import BytesIO

    from fontTools.ttLib import TTFont

    for name in ("serif", "serif-bold", "sans-bold"):
        font = TTFont(BytesIO(font_face(name)), lazy=True)
        assert font["name"].getDebugName(1).endswith("CJK SC")


def test_a_missing_cjk_font_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "FONT_DIRS", ())
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    render._face_sources.cache_clear()
    try:
        with pytest.raises(CJKFontMissing, match=r"install Debian's fonts-noto-cjk package"):
            html_to_pdf("<p>中文</p>")
    finally:
        render._face_sources.cache_clear()


def test_fc_match_answering_a_latin_font_is_not_taken_for_cjk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    latin = tmp_path / "DejaVuSans.ttf"
    latin.write_bytes(b"not really a font")
    monkeypatch.setattr(render, "FONT_DIRS", ())

    class Answer:
        stdout = str(latin)

    monkeypatch.setattr(render.subprocess, "run", lambda *args, **kwargs: Answer())
    with pytest.raises(CJKFontMissing, match="Noto Serif CJK SC Regular"):
        render.find_font("Noto Serif CJK SC", "Regular", "NotoSerifCJK-Regular.ttc")
