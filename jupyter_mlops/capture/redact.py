"""Secret redaction for captured code, diffs, URLs and environment variables.

``redact`` runs on every captured cell, so each of its few compiled patterns runs only where
a plain substring search finds a hint of what it looks for. It errs on the side of leaving
code runnable: a literal is replaced only where it is a known token
format, a credential in a URL, or a string literal assigned to a name that ends in a secret
word (``db_password = "…"``, ``"api_key": "…"``, ``token="…"``). Values computed at run time
(``getpass()``, ``os.environ[…]``) are not secrets in the code and stay as they are, and so do
NLP special tokens (``pad_token = "[PAD]"``), hashes and UUIDs.
"""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"

_NAME_WORDS = ("passwd", "password", "passphrase", "pwd", "secret", "token", "credential",
               "credentials", "apikey", "api_key", "accesskey", "access_key", "secretkey",
               "secret_key", "privatekey", "private_key", "authkey", "auth_key")
# "The name ends in a secret word": tested once after an identifier that is matched
# atomically ((?=(…))\N, as Python 3.10 has no possessive quantifiers), so that no
# backtracking re-runs the test at every shorter prefix.
_ENDS_SECRET = "(?:" + "|".join(f"(?<={word})" for word in _NAME_WORDS) + ")"
# A one-line string literal (b"…", f"…" too) that is a whole value: a delimiter follows it.
_LITERAL = (r"[rbuf]{{0,2}}(?P<{p}q>[\"'])(?:\\.|(?!(?P={p}q))[^\\\n])+(?P={p}q)"
            r"(?=\s*(?:[,;)}}\]#]|$))")
_ASSIGNMENTS = re.compile(
    # aws_secret_access_key = wJalr… (credentials files, unquoted)
    r"(?P<aws>aws_secret_access_key[\"']?[ \t]*[:=][ \t]*)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    # "password": "…", os.environ["TOKEN"] = "…", {'api_key': '…'}
    rf"|(?P<qh>(?P<nq>[\"'])(?=(?P<qn>[\w.\-]*))(?P=qn){_ENDS_SECRET}(?P=nq)\]?\s*(?::|=(?!=))\s*)"
    + _LITERAL.format(p="a")
    # password = "…", token="…", secret: str = "…", cfg.db_password = "…"
    + rf"|(?P<ah>(?<![\w.])(?=(?P<an>[a-z_][\w.]*))(?P=an){_ENDS_SECRET}(?:\s*:\s*[\w.\[\], |]+?)?"
    r"\s*=(?!=)\s*)" + _LITERAL.format(p="b")
    # YAML-ish "api_key: '…'" at the start of a line (or of a +/- line of a diff)
    + r"|(?P<yh>^[+\-]?[ \t]*(?:-[ \t]+)?(?=(?P<yn>[a-z_][\w.\-]*))(?P=yn)"
    + rf"{_ENDS_SECRET}[ \t]*:[ \t]*)"
    + _LITERAL.format(p="c"),
    re.IGNORECASE | re.MULTILINE,
)
# (head, name, quote) groups of the literal-assignment alternatives of _ASSIGNMENTS
_ASSIGNMENT_GROUPS = (("qh", "qn", "aq"), ("ah", "an", "bq"), ("yh", "yn", "cq"))
# Special tokens of tokenizers are vocabulary, not credentials.
_NLP_TOKEN = re.compile(r"(?:pad|eos|bos|unk|sep|cls|mask|sos|start|end|stop|begin|special"
                        r"|image|eot)_?token$", re.IGNORECASE)
_TOKEN_FORMATS = re.compile(
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"  # AWS access key ids
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})"  # GitHub
    r"|\bglpat-[\w\-]{20,}"  # GitLab
    r"|\b(?:xox[abposr]|xapp)-[A-Za-z0-9\-]{10,}"  # Slack
    r"|\bsk-(?:ant-|proj-|svcacct-|admin-)?(?=[\w\-]*\d)[\w\-]{20,}"  # OpenAI, Anthropic
    r"|\bAIza[\w\-]{35}(?![\w\-])"  # Google API keys
    r"|\beyJ[\w\-]{5,}\.eyJ[\w\-]{5,}\.[\w\-]*"  # JWT
)
_TOKEN_HINTS = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ghp_", "gho_",
                "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "xapp-", "sk-", "AIza",
                "eyJ")
_RULES: tuple[tuple[tuple[str, ...], bool, re.Pattern[str], str], ...] = (
    (("PRIVATE KEY",), False, re.compile(
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)"), REDACTED),
    (_TOKEN_HINTS, False, _TOKEN_FORMATS, REDACTED),
    (("hooks.slack.com",), False,
     re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[\w/\-]+"), rf"\1{REDACTED}"),
    (("bearer", "basic"), True,
     re.compile(r"\b([Bb]earer|[Bb]asic)\s+[\w\-.~+/]{16,}=*"), rf"\1 {REDACTED}"),
    (("://",), False,
     re.compile(r"(://[^\s:/@'\"]*:)[^\s/@'\"]+@"), rf"\1{REDACTED}@"),
    (("?", "&"), False, re.compile(  # secrets in query strings: ?token=…&sig=…
        r"([?&](?i:key|sig|signature|" + "|".join(_NAME_WORDS) + r")=)[^&\s'\"#]+"),
     rf"\1{REDACTED}"),
)
_ENV_COMMAND = re.compile(  # also on the +/- lines of a diff
    r"^([+\-]?[ \t]*!?(?:%env|%set_env|export)[ \t]+([A-Za-z_]\w*)(?:=|[ \t]+))(\S+)", re.MULTILINE)
_NAME_HINT = re.compile("pass|pwd|secret|token|key|credential")  # in lower-cased text
_WORD_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SECRET_PARTS = frozenset({"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PWD", "CREDENTIAL",
                           "AUTH", "PRIVATE", "SESSION", "COOKIE", "SIGNATURE", "APIKEY",
                           "PASSPHRASE", "OAUTH", "AUTHORIZATION", "AUTHTOKEN", "SECRETKEY",
                           "ACCESSKEY", "PRIVATEKEY", "SESSIONID"})
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "TOKEN", "SECRET", "CREDENTIAL", "APIKEY")


def redact(text: str) -> str:
    """Replace secrets in ``text`` with ``REDACTED``; everything else is left byte for byte.

    A handful of compiled patterns, each run only when a cheap substring test says it could
    match; the name-based ones only on the lines that mention a secret word.
    """
    lower = text.lower()
    for hints, casefold, pattern, replacement in _RULES:
        haystack = lower if casefold else text
        if any(hint in haystack for hint in hints):
            text = pattern.sub(replacement, text)
    if "%env" in text or "%set_env" in text or "export" in text:
        text = _ENV_COMMAND.sub(_replace_env, text)
    return _redact_assignments(text, text.lower())


def _redact_assignments(text: str, lower: str) -> str:
    """Run _ASSIGNMENTS on just the lines that mention a secret word."""
    if len(lower) != len(text):  # lower() changed some lengths ("İ"): offsets would not match
        return _ASSIGNMENTS.sub(_replace_assignment, text)
    pieces, done = [], 0
    for hint in _NAME_HINT.finditer(lower):
        if hint.start() < done:
            continue
        start = lower.rfind("\n", 0, hint.start()) + 1
        end = lower.find("\n", hint.end())
        end = len(text) if end == -1 else end
        pieces += [text[done:start], _ASSIGNMENTS.sub(_replace_assignment, text[start:end])]
        done = end
    return "".join([*pieces, text[done:]]) if pieces else text


def _replace_env(match: re.Match[str]) -> str:
    return match[1] + REDACTED if is_secret_name(match[2]) else match[0]


def _replace_assignment(match: re.Match[str]) -> str:
    if match["aws"] is not None:
        return match["aws"] + REDACTED
    name, quote = next((name, quote) for head, name, quote in _ASSIGNMENT_GROUPS
                       if match[head] is not None)
    if _NLP_TOKEN.search(match[name]):
        return match[0]
    prefix = match[0][: match.start(quote) - match.start()]
    return f"{prefix}{match[quote]}{REDACTED}{match[quote]}"


def is_secret_name(name: str) -> bool:
    """Whether an (environment) variable name suggests its value is a secret.

    Matches whole words of the name, split at ``_``, ``-``, ``.`` and camelCase, against KEY,
    TOKEN, SECRET, PASSWORD, PASSWD, PWD, CREDENTIAL, AUTH, PRIVATE, SESSION, COOKIE and
    SIGNATURE (and plurals): ``API_KEY`` and ``apiKey`` are secret names, ``MONKEY``,
    ``KEYRING`` and ``GIT_AUTHOR_NAME`` are not. Glued words count only for the unambiguous
    long ones: ``DBPASSWORD``, ``GHTOKEN``.
    """
    for part in _WORD_PARTS.findall(name):
        word = part.upper()
        if word in _SECRET_PARTS or (word.endswith("S") and word[:-1] in _SECRET_PARTS):
            return True
        if word.endswith(_SECRET_SUFFIXES):
            return True
    return False


def strip_url_credentials(url: str) -> str:
    """Drop ``user:password@`` from a URL (git remotes); scp-style ``git@host:path`` stays."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    end = len(rest)
    for delimiter in "/?#":
        position = rest.find(delimiter)
        if position != -1:
            end = min(end, position)
    authority = rest[:end]
    if "@" not in authority:
        return url
    return f"{scheme}://{authority.rpartition('@')[2]}{rest[end:]}"
