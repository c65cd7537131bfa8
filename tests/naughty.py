"""A small generator of "naughty strings" in the spirit of the Big List of Naughty Strings
(github.com/minimaxir/big-list-of-naughty-strings, MIT): the kinds of text that break renderers,
parsers and terminals. Written here rather than vendored; each kind the audit used is present."""

from __future__ import annotations

CONTROL = [chr(c) for c in range(0x00, 0x20) if c not in (0x09, 0x0A)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


def naughty_strings() -> list[str]:
    """Hostile strings, each on its own (no lone surrogates: those cannot travel in UTF-8 files)."""
    strings = [
        "", " ", "\t", "\n\n", "undefined", "null", "NULL", "None", "NaN", "Infinity", "-1", "0x0",
        "1E+02", "9" * 40, "-9223372036854775809", "1/0", "$HOME", "%s%s%s%n", "{0}{1}", "{{7*7}}",
        "${7*7}", "${jndi:ldap://127.0.0.1/a}", "<%= 7*7 %>", "'; DROP TABLE posts; --", "\" OR 1=1 --",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
        "<svg><script>alert(1)</script></svg>", "]]><!--", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>&x;",
        "=cmd|' /C calc'!A0", "+SUM(1,1)", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1",
        "../../../../etc/passwd", "C:\\Windows\\system32", "\\\\server\\share",
        "[bold red]markup[/]", "\x1b[31mred\x1b[0m", "\x1b]0;title\x07", "\x1b[2J",
        "Ω≈ç√∫˜µ≤≥÷", "田中さんにあげて下さい", "社會科學院語學研究所", "😍", "👩‍👩‍👧‍👦", "🏳️‍🌈", "1️⃣",
        "Ṱ̺̺̕o͞ ̷i̲̬͇̪͙n̝̗͕v̟̜̘̦͟o̶̙̰̠kè͚̮̺̪̹̱̤ ̖t̝͕̳̣̻̪͞h̼͓̲̦̳̘̲e͇̣̰̦̬͎ ̢̼̻̱̘h͚͎͙̜̣̲ͅi̦̲̣̰̤v̻͍e̺̭̳̪̰-m̢iͅn̖̺̞̲̯̰d̵̼̟͙̩̼̘̳",
        "ثم نفس سقطت وبالتحديد،, جزيرتي باستخدام", "בְּרֵאשִׁית, בָּרָא", "\u202etxt.exe", "\u2066abc\u2069",
        "\u200b", "\ufeff", "\u00ad", "\u2028", "\u2029", "\ufffd", "\ufffe", "\uffff", "𝐓𝐡𝐞 𝐪𝐮𝐢𝐜𝐤",
        "ｔｅｓｔ", "Ｔ", "ﷺ", "ﷻ", "‱", "a" * 5000,
    ]
    strings += [f"a{c}b" for c in CONTROL + BIDI]
    return strings
