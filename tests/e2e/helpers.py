"""Small steps several browser tests share."""

from __future__ import annotations

from pathlib import Path

from tests.applications.pdf_corpus import plain_pdf


def pdf_file(path: Path, pages: int = 2) -> str:
    """A blank A4 PDF of ``pages`` pages written to ``path``; its path as text (for
    ``set_input_files``)."""
    path.write_bytes(plain_pdf(pages))
    return str(path)


def fill_startup_sign_up(page, *, email: str, name: str, company_ko: str, company_en: str,
                         password: str) -> None:
    """Fill the Korean startup sign-up form (``/accounts/signup/startup/`` already open),
    without ticking the consent box or submitting."""
    page.get_by_label("이메일 주소").fill(email)
    page.get_by_label("성명(기업 대표자)").fill(name)
    page.get_by_label("기업명(국문)").fill(company_ko)
    page.get_by_label("기업명(영문)").fill(company_en)
    page.locator("#id_password1").fill(password)
    page.locator("#id_password2").fill(password)
