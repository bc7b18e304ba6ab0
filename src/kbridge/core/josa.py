"""Korean particles (조사) chosen by how the word before them ends (docs/decisions.md,
"Korean particles (issue 11)").

A particle pair has one form after a final consonant (받침) and one after a vowel: 을/를,
이/가, 은/는, 과/와, 아/야, 이나/나, 이라/라; (으)로 also takes 로 after ㄹ. The
final consonant of a Hangul syllable is ``(code - 0xAC00) % 28``. Words that end in digits
or Latin letters are read as Koreans read them: digits by their Sino-Korean names (3 삼,
10 십, 100 백, 1,000 천), capitals and short all-capital words letter by letter (API 에이피아이,
NPU 엔피유, 5G 오지, LLM 엘엘엠), other Latin words by their last letters (platform 플랫폼,
Google 구글).

Use it wherever a Korean sentence is built from a value: ``josa("API 플랫폼", "을")`` →
``"API 플랫폼을"``. Translated messages avoid the need (the sentence is worded so that no
particle follows a placeholder: "%(email)s 주소로"), see the decision.
"""

from __future__ import annotations

import re

__all__ = ["final_consonant", "josa"]

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
#: Final consonant indexes (0 = none) used below.
NONE, RIEUL = 0, 8
_KIYEOK, _NIEUN, _MIEUM, _PIEUP, _IEUNG = 1, 4, 16, 17, 21

#: Sino-Korean digit names' final consonants: 영 일 이 삼 사 오 육 칠 팔 구.
_DIGIT = {"0": _IEUNG, "1": RIEUL, "2": NONE, "3": _MIEUM, "4": NONE, "5": NONE,
          "6": _KIYEOK, "7": RIEUL, "8": RIEUL, "9": NONE}
#: Letter names as read in Korean: only L 엘, M 엠, N 엔, R 알 end in a consonant.
_LETTER = {"L": RIEUL, "M": _MIEUM, "N": _NIEUN, "R": RIEUL}
#: How a Latin word ends, as it is usually written in Hangul (longest ending first):
#: Google 구글, platform 플랫폼, cloud 클라우드, Facebook 페이스북, Spring 스프링.
_WORD_ENDINGS = (("ng", _IEUNG), ("ck", _KIYEOK), ("le", RIEUL), ("me", _MIEUM),
                 ("ne", _NIEUN), ("l", RIEUL), ("m", _MIEUM), ("n", _NIEUN), ("k", _KIYEOK))

_PAIRS = {"을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"), "가": ("이", "가"),
          "은": ("은", "는"), "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와"),
          "아": ("아", "야"), "야": ("아", "야"), "이나": ("이나", "나"), "나": ("이나", "나"),
          "이라": ("이라", "라"), "라": ("이라", "라"), "으로": ("으로", "로"),
          "로": ("으로", "로")}
_TRAILING = re.compile(r"[\s\"'”’)\]}»」』.,!?]+$")


def _number_final(digits: str) -> int:
    """The final consonant of a number read in Sino-Korean: the last non-zero digit's name,
    or the name of the place the zeros end on (십, 백, 천, 만, 억, 조)."""
    stripped = digits.rstrip("0")
    zeros = len(digits) - len(stripped)
    if not stripped:
        return _IEUNG  # 영
    if zeros == 0:
        return _DIGIT[stripped[-1]]
    if zeros == 1:
        return _PIEUP  # 십
    if zeros == 2:
        return _KIYEOK  # 백
    if zeros == 3 or 4 <= zeros < 8:
        return _NIEUN  # 천, 만 (십만, 백만, 천만)
    if zeros < 12:
        return _KIYEOK  # 억
    return NONE  # 조


def final_consonant(word: str) -> int | None:
    """The index (0–27) of the final consonant heard at the end of ``word``, 0 for a vowel,
    ``None`` when it cannot be told (a symbol, an empty string)."""
    text = _TRAILING.sub("", word)
    if not text:
        return None
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_FIRST) % 28
    if last.isascii() and last.isdigit():
        match = re.search(r"[0-9][0-9,]*$", text)
        return _number_final(match.group().replace(",", ""))
    if last.isascii() and last.isalpha():
        run = re.search(r"[A-Za-z]+$", text).group()
        capitals = re.search(r"[A-Z]+$", run)
        if run.isupper() or (capitals and len(capitals.group()) >= 2) or len(run) == 1:
            return _LETTER.get(run[-1].upper(), NONE)  # read letter by letter: API, OpenAI
        lower = run.lower()
        for ending, final in _WORD_ENDINGS:
            if lower.endswith(ending):
                return final
        return NONE
    return None


def josa(word: str, particle: str) -> str:
    """``word`` followed by the right form of ``particle`` (either form may be given:
    ``josa(x, "을")`` and ``josa(x, "를")`` are the same). When the ending cannot be told,
    both forms are written, the consonant form in parentheses: ``“…”을(를)``."""
    pair = _PAIRS[particle]
    final = final_consonant(word)
    if final is None:
        return f"{word}{pair[0]}({pair[1]})" if pair[0] != "으로" else f"{word}(으)로"
    if pair[0] == "으로":
        return word + ("로" if final in (NONE, RIEUL) else "으로")
    return word + (pair[0] if final else pair[1])
