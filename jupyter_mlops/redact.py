"""Secret redaction: the one step every byte passes on its way to the store or the spool.

``redact_value`` is the boundary: the store's write methods and the kernel's spool journal
run everything they write through it (code, params, tags, notes, errors, profiles,
environment, names, text artifacts), so no field can forget it. It walks a value: every
string (mapping keys too) goes through ``redact``, and every string stored under a
secret-looking name (``DB_PASS``, ``api_key``, a ``password`` column's profile) is hidden
whole. A leaf module (``re`` and ``xxhash``): capture, store and kernel all use it and it
knows none.

``redact`` runs on every captured cell, so each of the few rules runs only where a plain
substring search finds a hint of what it looks for, and the name-based rules only on the
lines that mention a secret word. It errs on the side of leaving code runnable: a value is
replaced only where it is a known token format, a credential in a URL or a connection
string, a literal assigned to a name that ends in a secret word (``db_password = "…"``,
``"api_key": "…"``), a random-looking literal assigned to a name that contains one
(``STRIPE_KEY = "q8Z…"``), or an unquoted value of a secret name in ``.env``/YAML/shell
form. Values computed at run time (``getpass()``, ``os.environ[…]``) are not secrets in the
code and stay as they are, and so do NLP special tokens (``pad_token = "[PAD]"``), hashes
and UUIDs.

Longer texts, and text artifacts, that hold nothing to redact (nearly all of them) are
remembered by their 128-bit digest, so the same text is scanned once: a cell run again, or
the session's git diff that every run carries (a 14 KB diff took 2 ms to scan, for each run).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Any

import xxhash

REDACTED = "[REDACTED]"

_NAME_WORDS = ("passwd", "password", "passphrase", "pwd", "secret", "token", "credential",
               "credentials", "apikey", "api_key", "accesskey", "access_key", "secretkey",
               "secret_key", "privatekey", "private_key", "authkey", "auth_key", "_pass")
# A one-line string literal (b"…", f"…" too) that is a whole value: a delimiter follows it.
_LITERAL = (r"[rbuf]{0,2}(?P<q>[\"'])(?P<v>(?:\\.|(?!(?P=q))[^\\\n])+)(?P=q)"
            r"(?=\s*(?:[,;)}\]#]|$))")
_ASSIGNMENTS = re.compile(
    # aws_secret_access_key = wJalr… (credentials files, unquoted)
    r"(?P<aws>aws_secret_access_key[\"']?[ \t]*[:=][ \t]*)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"
    # "password": "…", os.environ["TOKEN"] = "…", {'api_key': '…'}
    r"|(?:(?P<nq>[\"'])(?P<qn>[\w.\-]{1,100})(?P=nq)\]?"
    # password = "…", token="…", secret: str = "…", cfg.db_password = "…", YAML key: '…'
    r"|(?<![\w.])(?P<an>[A-Za-z_][\w.\-]{0,100})(?:[ \t]*:[ \t]*[\w.\[\], |]{1,60}?(?==))?)"
    r"[ \t]*(?::|=(?!=))[ \t]*" + _LITERAL,
    re.MULTILINE,
)
# Unquoted values: .env lines (``DB_PASS=x``, also after a quote or a ``\n`` escape inside a
# string), connection strings (``;Password=x;``, ``AccountKey=…``), ``--token=x`` flags,
# YAML ``password: x`` lines, ``--password x`` and ``curl -u user:pass``.
_UNQUOTED = re.compile(
    r"(?P<eh>(?:(?<![\w.\-])|(?<=\\n))(?:--?)?(?P<en>[A-Za-z_][\w.\-]{0,100})=(?!=))"
    r"(?P<ev>(?![\[({'\"`$])[^\s'\"`;,&\\)\]}]+)"
    r"|(?P<ih>^[+\-]?[ \t]*(?P<in>[A-Za-z_][\w.\-]{0,100})[ \t]*=(?!=)[ \t]*)"
    r"(?P<iv>[^\s'\"#;][^\n#;]*?)[ \t]*$"
    r"|(?P<yh>^[+\-]?[ \t]*(?:-[ \t]+)?(?P<yn>[A-Za-z_][\w.\-]{0,100})[ \t]*:[ \t]+)"
    r"(?P<yv>[^\s'\"#{\[|>&*!][^\n#]*?)[ \t]*$"
    r"|(?P<fh>--(?P<fn>[\w\-]{1,60})[ \t]+)(?P<fv>(?![\-$'\"])[^\s'\"]+)"
    r"|(?P<uh>(?:^|[ \t])(?:-u|--user)[ \t]+['\"]?[^\s:'\"]+:)(?P<uv>[^\s'\"@]+)",
    re.MULTILINE,
)
# (head, name, value) groups of the alternatives of _UNQUOTED
_UNQUOTED_GROUPS = (("eh", "en", "ev"), ("ih", "in", "iv"), ("yh", "yn", "yv"), ("fh", "fn", "fv"),
                    ("uh", None, "uv"))
# Special tokens of tokenizers are vocabulary, not credentials.
_NLP_TOKEN = re.compile(r"(?:pad|eos|bos|unk|sep|cls|mask|sos|start|end|stop|begin|special"
                        r"|image|eot)_?token$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"[A-Za-z_][\w.]*")
_PYTHON_CONSTANTS = frozenset({"None", "True", "False", "null", "true", "false", "~"})
_VERSION = re.compile(r"v?\d+(?:\.\d+)+(?:[.+\-]?[0-9A-Za-z]+)*|\d{1,6}")
_TOKEN_FORMATS = re.compile(
    r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"  # AWS access key ids
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})"  # GitHub
    r"|\bglpat-[\w\-]{20,}"  # GitLab
    r"|\b(?:xox[abposr]|xapp)-[A-Za-z0-9\-]{10,}"  # Slack
    r"|\bsk-(?:ant-|proj-|svcacct-|admin-)?(?=[\w\-]*\d)[\w\-]{20,}"  # OpenAI, Anthropic
    r"|\bAIza[\w\-]{35}(?![\w\-])"  # Google API keys
    r"|\beyJ[\w\-]{5,}\.eyJ[\w\-]{5,}\.[\w\-]*"  # JWT
    r"|\b(?:(?:sk|rk|pk)_(?:live|test)_|whsec_)[A-Za-z0-9]{16,}"  # Stripe
    r"|\bhf_[A-Za-z0-9]{30,}"  # Hugging Face
    r"|\bSG\.[\w\-]{16,}\.[\w\-]{16,}"  # SendGrid
    r"|\bnpm_[A-Za-z0-9]{36}"  # npm
    r"|\bpypi-[\w\-]{50,}"  # PyPI
)
_TOKEN_HINTS = ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "ghp_", "gho_",
                "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "xapp-", "sk-", "AIza",
                "eyJ", "_live_", "_test_", "whsec_", "hf_", "SG.", "npm_", "pypi-")


def _user_info(match: re.Match[str]) -> str:
    """``://user:password@`` loses the password; ``://<random key>@`` (Sentry DSNs, tokens
    as the user name) loses the user name."""
    if match[1] is not None:
        return f"{match[1]}{REDACTED}@"
    return f"://{REDACTED}@" if looks_random(match[2]) else match[0]


_RULES: tuple[tuple[tuple[str, ...], bool, re.Pattern[str], Any], ...] = (
    (("PRIVATE KEY",), False, re.compile(
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
        r"(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)"), REDACTED),
    (_TOKEN_HINTS, False, _TOKEN_FORMATS, REDACTED),
    (("hooks.slack.com",), False,
     re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[\w/\-]+"), rf"\1{REDACTED}"),
    (("bearer", "basic"), True,
     re.compile(r"\b([Bb]earer|[Bb]asic)\s+[\w\-.~+/]{16,}=*"), rf"\1 {REDACTED}"),
    (("://",), False,
     re.compile(r"(://[^\s:/@'\"]*:)[^\s/@'\"]+@|://([^\s:/@'\"]{16,})@"), _user_info),
    (("?", "&"), False, re.compile(  # secrets in query strings: ?token=…&sig=…
        r"([?&](?i:key|sig|signature|code|" + "|".join(_NAME_WORDS) + r")=)[^&\s'\"#]+"),
     rf"\1{REDACTED}"),
)
_ENV_COMMAND = re.compile(  # also on the +/- lines of a diff
    r"^([+\-]?[ \t]*!?(?:%env|%set_env|export)[ \t]+([A-Za-z_]\w*)(?:=|[ \t]+))(\S+)", re.MULTILINE)
# The lines the name-based rules look at: they mention a secret word (in lower-cased text).
_NAME_HINT = re.compile(r"pass|pwd|secret|token|key|credential|creds|auth|dsn|conn|pat\b"
                        r"|webhook|sig|database_ur|db_ur|-u\b|--user")
_WORD_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SECRET_PARTS = frozenset({"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PWD", "PASS",
                           "CREDENTIAL", "CREDS", "AUTH", "PRIVATE", "SESSION", "COOKIE",
                           "SIGNATURE", "APIKEY", "PASSPHRASE", "OAUTH", "AUTHORIZATION",
                           "AUTHTOKEN", "SECRETKEY", "ACCESSKEY", "PRIVATEKEY", "SESSIONID",
                           "DSN", "PAT", "WEBHOOK", "CONN", "CONNECTION", "CONNSTR",
                           "CONNSTRING", "CONNECTIONSTRING", "SAS", "JWT", "BEARER"})
_SECRET_SUFFIXES = ("PASSWORD", "PASSWD", "TOKEN", "SECRET", "CREDENTIAL", "APIKEY")
_DATABASES = frozenset({"DATABASE", "DB", "SQLALCHEMY", "MONGO", "MONGODB", "REDIS", "AMQP",
                        "BROKER", "POSTGRES", "MYSQL"})
# Fields this package fills itself (ids, hashes, names of variables, timestamps): nothing in
# them comes from a user's text, so they are not scanned (the walk stays cheap per cell).
_OWN_FIELDS = frozenset({
    "op", "n", "session_id", "execution_id", "run_id", "artifact_id", "environment_id",
    "dataset_id", "cell_id", "code_hash", "fingerprint", "file_hash", "digest",
    "names_defined", "names_used", "execution_ids", "positions", "status", "media_type",
    "started_ms", "ended_ms", "heartbeat_ms", "timestamp_ms", "duration_ms", "pid",
    "pid_started_ms", "seq", "execution_count", "step"})
_PLAIN = frozenset({int, float, bool, type(None)})
_SHORT = 64  # strings up to this long (names, keys, small values) are cached


_MAX_CLEAN = 4096  # digests of longer texts found clean, kept until there are this many
_clean: set[bytes] = set()


def _digest(text: str, seed: int) -> bytes:
    """Texts (seed 0) and text artifacts' base64 (seed 1) are remembered apart."""
    return xxhash.xxh3_128_digest(text.encode("utf-8", "surrogatepass"), seed)


def _remember_clean(digest: bytes) -> None:
    if len(_clean) >= _MAX_CLEAN:
        _clean.clear()
    _clean.add(digest)


def redact(text: str) -> str:
    """Replace secrets in ``text`` with ``REDACTED``; everything else is left byte for byte."""
    if len(text) <= _SHORT:
        return _redact_short(text)
    digest = _digest(text, 0)
    if digest in _clean:
        return text
    cleaned = _redact(text)
    if cleaned == text:
        _remember_clean(digest)
    return cleaned


def _redact(text: str) -> str:
    lower = text.lower()
    for hints, casefold, pattern, replacement in _RULES:
        haystack = lower if casefold else text
        if any(hint in haystack for hint in hints):
            text = pattern.sub(replacement, text)
    if "%env" in text or "%set_env" in text or "export" in text:
        text = _ENV_COMMAND.sub(_replace_env, text)
    return _redact_named(text, text.lower())


def redact_value(value: Any, secret: bool = False) -> Any:
    """``value`` with every string redacted, walking mappings (keys too), lists and tuples;
    what sits under a secret-looking key is hidden whole (``secret``: it already does).

    A mapping with ``media_type`` and ``data`` is an artifact whose ``data`` is base64:
    redacted as text when the media type is text, left alone (binary) otherwise.
    """
    if isinstance(value, str):
        return _hide(value) if secret else redact(value)
    if isinstance(value, dict):
        if "media_type" in value and "data" in value:
            return _redact_artifact(value, secret)
        out = {}
        for k, v in value.items():  # strings and numbers inline: schemas have 800 columns
            if k in _OWN_FIELDS:
                out[k] = v
                continue
            if isinstance(k, str):
                hidden, k = secret or is_secret_name(k), redact(k)
            else:
                hidden, k = secret, redact_value(k)
            if type(v) is str:
                out[k] = _hide(v) if hidden else redact(v)
            elif type(v) in _PLAIN:
                out[k] = v
            else:
                out[k] = redact_value(v, hidden)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)([v if type(v) in _PLAIN else redact_value(v, secret)
                            for v in value])
    return value


def is_text_media(media_type: str | None) -> bool:
    media_type = (media_type or "").lower()
    return media_type.startswith("text/") or media_type.split(";")[0].endswith(
        ("json", "yaml", "xml", "toml", "x-sh", "x-python", "javascript", "csv"))


def redact_bytes(data: bytes, media_type: str | None) -> bytes:
    """The bytes of an artifact, redacted if they are text (UTF-8) of a text media type."""
    if not is_text_media(media_type):
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    cleaned = redact(text)
    return data if cleaned == text else cleaned.encode("utf-8")


def _redact_artifact(artifact: dict, secret: bool) -> dict:
    out = {k: v if k == "data" else redact_value(v, secret) for k, v in artifact.items()}
    encoded = artifact["data"]
    if is_text_media(artifact.get("media_type")) and isinstance(encoded, str):
        digest = _digest(encoded, 1)
        if digest in _clean:  # the git diff every run carries: decoded and scanned once
            return out
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return out
        cleaned = redact_bytes(data, artifact["media_type"])
        if cleaned is not data:
            out["data"] = base64.b64encode(cleaned).decode()
        else:
            _remember_clean(digest)
    return out


_redact_short = lru_cache(maxsize=8192)(_redact)


def _hide(text: str) -> str:
    """A string stored under a secret name: gone, unless it cannot be one (empty, a version
    number such as ``google-auth: 2.38.0``, already redacted)."""
    if not text or text == REDACTED or _VERSION.fullmatch(text):
        return text
    return REDACTED


def looks_random(text: str) -> bool:
    """Whether ``text`` looks like a generated key: 16+ characters without spaces mixing
    letters and digits (or cases), at least 3 bits of entropy per character."""
    if len(text) < 16 or any(ch.isspace() for ch in text):
        return False
    classes = (any(c.islower() for c in text) + any(c.isupper() for c in text)
               + any(c.isdigit() for c in text))
    if classes < 2:
        return False
    counts = Counter(text)
    entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return entropy >= 3.0


def _redact_named(text: str, lower: str) -> str:
    """Run the name-based rules on just the lines that mention a secret word."""
    if len(lower) != len(text):  # lower() changed some lengths ("İ"): offsets would not match
        return _named_rules(text)
    pieces, done = [], 0
    while (hint := _NAME_HINT.search(lower, done)) is not None:
        start = lower.rfind("\n", 0, hint.start()) + 1
        end = lower.find("\n", hint.end())
        end = len(text) if end == -1 else end
        pieces += [text[done:start], _named_rules(text[start:end])]
        done = end
    return "".join([*pieces, text[done:]]) if pieces else text


def _named_rules(text: str) -> str:
    if "'" in text or '"' in text:
        text = _ASSIGNMENTS.sub(_replace_assignment, text)
    return _UNQUOTED.sub(_replace_unquoted, text)


def _replace_env(match: re.Match[str]) -> str:
    return match[1] + REDACTED if is_secret_name(match[2]) else match[0]


def _strong_name(name: str) -> bool:
    """The name ends in a secret word: any literal value is taken as a secret."""
    return name.lower().endswith(_NAME_WORDS) and not _NLP_TOKEN.search(name)


def _secret_literal(name: str, value: str) -> bool:
    if value == REDACTED or _NLP_TOKEN.search(name):
        return False
    if _strong_name(name):
        return True
    return is_secret_name(name) and looks_random(value)


def _replace_assignment(match: re.Match[str]) -> str:
    if match["aws"] is not None:
        return match["aws"] + REDACTED
    name = match["qn"] or match["an"]
    if not _secret_literal(name, match["v"]):
        return match[0]
    start, end = match.start("v") - match.start(), match.end("v") - match.start()
    return f"{match[0][:start]}{REDACTED}{match[0][end:]}"


def _replace_unquoted(match: re.Match[str]) -> str:
    head, name, value = next(groups for groups in _UNQUOTED_GROUPS
                             if match[groups[0]] is not None)
    text = match[value]
    if text == REDACTED:
        return match[0]
    if name is not None and not _unquoted_secret(match[name], text, spaced=head != "eh"):
        # ``error: could not use Password=…``: the value may hold a named secret itself
        return match[0] if head == "eh" else match[head] + _UNQUOTED.sub(_replace_unquoted, text)
    return match[head] + REDACTED


def _unquoted_secret(name: str, value: str, spaced: bool) -> bool:
    if _NLP_TOKEN.search(name) or value in _PYTHON_CONSTANTS:
        return False
    strong = _strong_name(name)
    if not strong and not (is_secret_name(name) and not _VERSION.fullmatch(value)):
        return False  # ``MAX_TOKENS=512`` is a setting
    if any(ch in value for ch in "([{") or (spaced and (" =" in value or "= " in value)):
        return False  # ``key = d[k]``, ``password: str = …``: Python (``Key=ab==`` is base64)
    # ``f(password=pw)`` passes a variable; ``DB_PASS=hunter`` in a .env file is a value
    return not (_IDENTIFIER.fullmatch(value) and not name.isupper()
                and not any(ch.isdigit() for ch in value))


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a (variable, param, column, environment variable) name suggests its value is
    a secret.

    Matches whole words of the name, split at ``_``, ``-``, ``.`` and camelCase, against KEY,
    TOKEN, SECRET, PASSWORD, PASSWD, PASS, PWD, CREDENTIAL(S), CREDS, AUTH, PRIVATE, SESSION,
    COOKIE, SIGNATURE, DSN, PAT, WEBHOOK, CONN(ECTION)(STRING), SAS, JWT and BEARER (and
    plurals), and a database URL (``DATABASE_URL``, ``SQLALCHEMY_DATABASE_URI``,
    ``REDIS_URL``): ``API_KEY`` and ``apiKey`` are secret names, ``MONKEY``, ``KEYRING``,
    ``PATH`` and ``GIT_AUTHOR_NAME`` are not. Glued words count only for the unambiguous long
    ones: ``DBPASSWORD``, ``GHTOKEN``.
    """
    previous = ""
    for part in _WORD_PARTS.findall(name):
        word = part.upper()
        if word in _SECRET_PARTS or (word.endswith("S") and word[:-1] in _SECRET_PARTS):
            return True
        if word.endswith(_SECRET_SUFFIXES):
            return True
        if word in ("URL", "URI", "URLS") and previous in _DATABASES:
            return True
        previous = word
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
