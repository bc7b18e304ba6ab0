"""The consent notices people agree to at sign-up, versioned (docs/decisions.md, "Personal data").

Korea's Personal Information Protection Act (개인정보 보호법), Article 15(2), requires telling a
person, before they consent to the collection and use of their personal data: (1) the purpose
of collection and use, (2) the items collected, (3) the retention and use period, and (4) that
they may refuse consent and what refusing costs them.

The notice text lives here in both languages and **not** in the gettext catalogue: what a person
agreed to must not change when a translator edits a catalogue. Changing a word of a notice means
adding a new version (a new key in ``CONSENT_TEXTS``) and pointing ``CURRENT`` at it; each
``Consent`` row keeps the version its person saw, so the exact text of every consent can be
shown later. The deploying agency should have its privacy officer review the text (and name
itself in it) before going live.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class Notice:
    """One language's notice: a title and the four items PIPA Article 15(2) names."""

    title: str
    purpose: str
    items: str
    retention: str
    refusal: str


@dataclass(frozen=True)
class ConsentText:
    version: str
    purpose: str  # Consent.Purpose value
    required: bool
    ko: Notice
    en: Notice

    def notice(self, language: str | None = None) -> Notice:
        language = language or get_language() or "ko"
        return self.en if language.startswith("en") else self.ko


PRIVACY = "privacy"

CONSENT_TEXTS: dict[str, ConsentText] = {
    "2026-11-privacy-v1": ConsentText(
        version="2026-11-privacy-v1",
        purpose=PRIVACY,
        required=True,
        ko=Notice(
            title="개인정보 수집·이용 동의 (필수)",
            purpose=(
                "회원 가입과 본인(이메일 주소) 확인, 로그인, 지원사업 공고 신청서의 작성·제출·"
                "접수 확인, 평가·선정·협약 등 사업 운영, 그리고 이에 관한 안내 연락에 이용합니다."
            ),
            items=(
                "이메일 주소, 성명, 비밀번호(복원할 수 없는 방식으로 암호화하여 저장), 선호 언어, "
                "소속 기관 또는 기업명(가입 유형에 따라), 동의 일시와 접속 IP 주소, 서비스 이용 "
                "기록(감사 기록)."
            ),
            retention=(
                "회원 탈퇴(계정 삭제)를 요청할 때까지 보유·이용합니다. 다만 제출된 신청서와 그 "
                "접수증, 심사·선정 기록, 감사 기록은 사업을 운영하는 기관이 「공공기록물 관리에 "
                "관한 법률」 등 관계 법령에 따라 정한 보존기간 동안 보관한 뒤 파기합니다. 탈퇴 후에는 "
                "계정의 개인정보를 지우고, 보관하는 기록에는 이름 대신 ‘삭제된 사용자’로 표시합니다."
            ),
            refusal=(
                "귀하는 이 동의를 거부할 권리가 있습니다. 다만 이는 서비스 제공에 꼭 필요한 최소한의 "
                "정보이므로, 동의하지 않으시면 회원 가입을 할 수 없고 공고 신청, 평가 참여 등 "
                "K-Bridge의 서비스를 이용할 수 없습니다. 공개된 공고는 가입 없이도 볼 수 있습니다."
            ),
        ),
        en=Notice(
            title="Consent to the collection and use of personal data (required)",
            purpose=(
                "To create your account and verify your e-mail address, to sign you in, to let "
                "you write, submit and receive receipts for applications to calls, to run the "
                "program (evaluation, selection, agreements), and to contact you about these."
            ),
            items=(
                "E-mail address, name, password (stored only as an irreversible hash), "
                "preferred language, the name of your affiliation or company (depending on how "
                "you sign up), the time of your consent and the IP address it came from, and "
                "records of what you do in the service (the audit log)."
            ),
            retention=(
                "Until you delete your account. Submitted applications and their receipts, "
                "evaluation and selection records and the audit log are kept for the retention "
                "period the agency running the program sets under the Public Records Management "
                "Act and related laws, then destroyed. After you delete your account, its "
                "personal data is erased and the kept records show “deleted user” instead of "
                "your name."
            ),
            refusal=(
                "You have the right to refuse this consent. These are the minimum data the "
                "service needs, so without your consent you cannot create an account, and so "
                "cannot apply to calls, evaluate or use K-Bridge's other services. Published "
                "calls stay open to read without an account."
            ),
        ),
    ),
}

#: The version new sign-ups are asked to agree to, per purpose.
CURRENT = {PRIVACY: "2026-11-privacy-v1"}


def current(purpose: str = PRIVACY) -> ConsentText:
    return CONSENT_TEXTS[CURRENT[purpose]]
