"""A corpus of realistic secret forms, generated fresh for every test run (random values in
the shapes vendors use: nothing here is a real credential, and no credential-shaped string is
in the source).

Each form has a ``name`` (the variable, setting or environment variable it is usually kept
in), a ``value`` (what is assigned) and ``needles``: the parts that must never be stored.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass, field

_rng = random.SystemRandom()
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
WORDS = ("orchid", "lantern", "copper", "meadow", "falcon", "harbor", "velvet", "summit")


def rand(n: int, alphabet: str = ALNUM) -> str:
    """Random characters with at least one digit, one lower and one upper letter where the
    alphabet has them (so every value looks like the keys it imitates)."""
    while True:
        text = "".join(_rng.choice(alphabet) for _ in range(n))
        kinds = [any(c in text for c in group) for group in
                 (string.digits, string.ascii_lowercase, string.ascii_uppercase)
                 if any(c in alphabet for c in group)]
        if all(kinds):
            return text


def word() -> str:
    """A low-entropy, human-chosen password: found only by the name it is kept under."""
    return f"{_rng.choice(WORDS)}-{_rng.choice(WORDS)}{_rng.randint(10, 9999)}"


def pem(kind: str) -> tuple[str, str]:
    body = rand(64, ALNUM + "+/")
    text = (f"-----BEGIN {kind}PRIVATE KEY-----\n{body}\n{rand(64, ALNUM + '+/')}\n"
            f"-----END {kind}PRIVATE KEY-----\n")
    return text, body


def b64url(data: str) -> str:
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


@dataclass
class Form:
    key: str
    name: str  # the variable / setting / environment variable it lives in
    value: str
    needles: list[str] = field(default_factory=list)
    # "shape": recognisable by its value alone; "named": only by the name it is kept under
    kind: str = "shape"

    def __post_init__(self) -> None:
        self.needles = self.needles or [self.value]

    @property
    def one_line(self) -> bool:
        return "\n" not in self.value


def build() -> list[Form]:
    f: list[Form] = []
    add = f.append
    add(Form("aws-access-key-id", "aws_key_id", "AKIA" + rand(16, UPPER_DIGITS)))
    add(Form("aws-sts-key-id", "sts_key", "ASIA" + rand(16, UPPER_DIGITS)))
    secret_key = rand(40, ALNUM + "/+")
    add(Form("aws-secret-access-key", "aws_secret_access_key", secret_key, kind="named"))
    add(Form("github-classic-pat", "gh_setting", "ghp_" + rand(36)))
    add(Form("github-oauth", "gh_oauth_setting", "gho_" + rand(36)))
    add(Form("github-fine-grained", "gh_fine", "github_pat_" + rand(22) + "_" + rand(59)))
    add(Form("gitlab-pat", "gitlab_setting", "glpat-" + rand(20)))
    add(Form("slack-bot", "slack_setting",
             f"xoxb-{rand(10, string.digits)}-{rand(13, string.digits)}-{rand(24)}"))
    add(Form("slack-user", "slack_user_setting",
             f"xoxp-{rand(10, string.digits)}-{rand(12, string.digits)}-{rand(32, HEX)}"))
    hook = rand(24)
    add(Form("slack-webhook", "alerts_url",
             f"https://hooks.slack.com/services/T{rand(8, UPPER_DIGITS)}/B{rand(8, UPPER_DIGITS)}"
             f"/{hook}", [hook]))
    add(Form("openai", "llm_setting", "sk-" + rand(48)))
    add(Form("openai-project", "llm_project_setting", "sk-proj-" + rand(40)))
    add(Form("anthropic", "claude_setting", "sk-ant-api03-" + rand(60)))
    add(Form("google-api-key", "maps_setting", "AIza" + rand(35)))
    jwt_tail = rand(43)
    jwt = (f"{b64url(json.dumps({'alg': 'HS256', 'typ': 'JWT'}))}."
           f"{b64url(json.dumps({'sub': rand(12)}))}.{jwt_tail}")
    add(Form("jwt", "session_blob", jwt, [jwt_tail, jwt]))
    add(Form("stripe-secret-live", "payments_setting", "sk_live_" + rand(24)))
    add(Form("stripe-restricted-live", "payments_restricted", "rk_live_" + rand(24)))
    add(Form("stripe-secret-test", "payments_test_setting", "sk_test_" + rand(24)))
    add(Form("stripe-webhook-secret", "stripe_hook_setting", "whsec_" + rand(32)))
    add(Form("huggingface", "hub_setting", "hf_" + rand(34)))
    add(Form("sendgrid", "mail_setting", f"SG.{rand(22)}.{rand(43)}"))
    add(Form("npm", "registry_setting", "npm_" + rand(36)))
    add(Form("pypi", "upload_setting", "pypi-AgEIcHlwaS5vcmc" + rand(70)))
    account_key = rand(86, ALNUM + "+/") + "=="
    add(Form("azure-storage-connection-string", "blob_target",
             f"DefaultEndpointsProtocol=https;AccountName=acct{rand(6, HEX)};"
             f"AccountKey={account_key};EndpointSuffix=core.windows.net", [account_key[:80]]))
    sig = rand(43)
    add(Form("azure-sas-url", "blob_url",
             f"https://acct.blob.core.windows.net/data?sv=2022-11-02&ss=b&srt=co&sp=rl"
             f"&se=2030-01-01T00:00:00Z&sig={sig}%3D", [sig]))
    sas = rand(43)
    add(Form("azure-sas-connection", "sas_target",
             f"BlobEndpoint=https://acct.blob.core.windows.net/;"
             f"SharedAccessSignature=sv=2022-11-02&ss=b&srt=co&sig={sas}", [sas]))
    bus = rand(43, ALNUM + "+/") + "="
    add(Form("azure-service-bus", "bus_target",
             f"Endpoint=sb://ns{rand(5, HEX)}.servicebus.windows.net/;SharedAccessKeyName="
             f"RootManageSharedAccessKey;SharedAccessKey={bus}", [bus[:40]]))
    key_id = rand(40, HEX)
    add(Form("gcp-private-key-id", "private_key_id", key_id, kind="named"))
    gcp_pem, gcp_body = pem("")
    add(Form("gcp-private-key", "service_account_pem", gcp_pem, [gcp_body]))
    rsa_pem, rsa_body = pem("RSA ")
    add(Form("rsa-private-key", "deploy_key_pem", rsa_pem, [rsa_body]))
    ssh_pem, ssh_body = pem("OPENSSH ")
    add(Form("openssh-private-key", "ssh_key_pem", ssh_pem, [ssh_body]))
    for key, scheme, user, host in (
            ("postgres-url", "postgresql", "analyst", "db.internal:5432/warehouse"),
            ("mysql-url", "mysql+pymysql", "root", "mysql.internal/app"),
            ("mongodb-srv-url", "mongodb+srv", "admin", "cluster0.ab1cd.mongodb.net/app"),
            ("redis-url", "redis", "", "cache.internal:6379/0"),
            ("amqp-url", "amqp", "guest", "rabbit.internal:5672/")):
        password = rand(18)
        add(Form(key, f"{key.split('-')[0]}_target", f"{scheme}://{user}:{password}@{host}",
                 [password]))
    dsn_key = rand(32, HEX)
    add(Form("sentry-dsn-url", "error_reporting",
             f"https://{dsn_key}@o{rand(6, string.digits)}.ingest.sentry.io/"
             f"{rand(7, string.digits)}",
             [dsn_key]))
    basic = base64.b64encode(f"svc:{word()}".encode()).decode()
    add(Form("basic-auth-header", "auth_header", f"Authorization: Basic {basic}", [basic]))
    bearer = rand(40)
    add(Form("bearer-header", "bearer_header", f"Authorization: Bearer {bearer}", [bearer]))
    for key, param in (("query-api-key", "api_key"), ("query-token", "token"),
                       ("query-signature", "signature")):
        value = rand(32)
        add(Form(key, f"{key.replace('-', '_')}_url",
                 f"https://api.example.com/v1/items?page=2&{param}={value}", [value]))
    # Kept under a name that says secret; many values are plain words.
    for key, name, value in (
            ("env-db-password", "DB_PASSWORD", word()),
            ("env-api-token", "API_TOKEN", rand(24)),
            ("env-service-pass", "PAYMENTS_PASS", word()),
            ("env-smtp-pwd", "SMTP_PWD", word()),
            ("env-ado-pat", "ADO_PAT", rand(52, string.ascii_lowercase + string.digits)),
            ("env-creds", "CREDS", f"etl:{word()}"),
            ("env-warehouse-conn", "WAREHOUSE_CONN", word()),
            ("env-mlflow-password", "MLFLOW_TRACKING_PASSWORD", word()),
            ("db-pass", "db_pass", word()),
            ("yaml-password", "password", word()),
            ("yaml-secret-key", "secret_key", rand(40)),
            ("yaml-api-token", "api_token", rand(32)),
            ("twilio-auth-token", "TWILIO_AUTH_TOKEN", rand(32, HEX)),
            ("datadog-api-key", "DD_API_KEY", rand(32, HEX)),
            ("django-secret-key", "SECRET_KEY", "django-insecure-" + rand(40)),
            ("signing-key-high-entropy", "SIGNING_KEY", rand(40)),
            ("client-auth-high-entropy", "client_auth", rand(32)),
            ("encryption-key-high-entropy", "ENCRYPTION_KEY", rand(43, ALNUM + "+/") + "=")):
        needle = value.split(":", 1)[-1]
        add(Form(key, name, value, [needle], kind="named"))
    for key, name in (("env-database-url", "DATABASE_URL"), ("env-sentry-dsn", "SENTRY_DSN"),
                      ("env-teams-webhook", "TEAMS_WEBHOOK")):
        secret = rand(32, HEX)
        value = {"DATABASE_URL": f"postgres://app:{secret}@db/app",
                 "SENTRY_DSN": f"https://{secret}@o1.ingest.sentry.io/2",
                 "TEAMS_WEBHOOK": f"https://acme.webhook.office.com/webhookb2/x/IncomingWebhook/"
                                  f"{secret}/y"}[name]
        add(Form(key, name, value, [secret], kind="named"))
    pwd = word()
    add(Form("odbc-connection-string", "warehouse_odbc",
             f"Driver={{ODBC Driver 18}};Server=tcp:sql.example.net;Uid=app;Pwd={pwd};", [pwd]))
    password = word()
    add(Form("ado-connection-string", "sql_server",
             f"Server=db;Database=app;User Id=sa;Password={password};", [password]))
    return f


def shell_lines() -> list[tuple[str, str]]:
    """(IPython shell/magic line, the secret in it): commands users paste into cells."""
    lines = []
    pw = word()
    lines.append((f"!curl --max-time 1 -s -u deploy:{pw} http://127.0.0.1:9/ || true", pw))
    token = rand(40)
    lines.append((f'!curl --max-time 1 -s -H "Authorization: Bearer {token}" '
                  f"http://127.0.0.1:9/ || true", token))
    pw2 = word()
    lines.append((f"!echo mysql --password {pw2} -h db.internal > /dev/null", pw2))
    hub = rand(34)
    lines.append((f"!echo huggingface-cli login --token={hub} > /dev/null", hub))
    gh = rand(36)
    lines.append((f"!export GITHUB_TOKEN={gh}", gh))
    key = rand(40)
    lines.append((f"%env OPENAI_API_KEY={key}", key))
    return lines


def encodings(needle: str) -> set[str]:
    """The needle raw, JSON-escaped and base64 (at each alignment within a longer text)."""
    forms = {needle, json.dumps(needle)[1:-1]}
    for offset in range(3):
        encoded = base64.b64encode(b"x" * offset + needle.encode()).decode()
        # drop the characters that depend on what surrounds the needle
        start = (offset * 4 + 2) // 3 + 1 if offset else 0
        forms.add(encoded[start:-4] if len(encoded) > start + 8 else encoded)
    return {form for form in forms if len(form) >= 8}
