import time

import pytest

from jupyter_mlops.redact import (
    REDACTED,
    is_secret_name,
    redact,
    strip_url_credentials,
)

# (text, the secret that must disappear)
POSITIVES = [
    ("key_id = 'AKIAIOSFODNN7EXAMPLE'", "AKIAIOSFODNN7EXAMPLE"),
    ("session: ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ('aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("gh = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
    ("gho_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    ("ghs_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    ("ghu_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    ("ghr_16C7e42F292c6912E7710c838347Ae178B4a", "16C7e42F292c6912E7710c838347Ae178B4a"),
    ("github_pat_11ABCDEFG0abcdefghijklmn_opqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS",
     "11ABCDEFG0abcdefghijklmn"),
    ("git clone https://oauth2:glpat-xxxxXXXX1234yyyyZZZZ@gitlab.com/x.git",
     "glpat-xxxxXXXX1234yyyyZZZZ"),
    ("client = WebClient('xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx')",
     "AbCdEfGhIjKlMnOpQrStUvWx"),
    ("xoxp-1234567890-abcdefghij", "1234567890-abcdefghij"),
    ("xoxa-2-1234567890-abcdefghij", "1234567890-abcdefghij"),
    ("xapp-1-A0123456789-1234567890123-abcdef0123", "A0123456789"),
    ("url = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'",
     "XXXXXXXXXXXXXXXXXXXXXXXX"),
    ("openai.api_key = 'sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL'",
     "abcdefghijklmnopqrstuvwxyz0123456789"),
    ("OpenAI(api_key=os.getenv('X') or 'sk-proj-Ab3dEf-GhIjKl_MnOpQrStUvWx0123')",
     "Ab3dEf-GhIjKl_MnOpQrStUvWx0123"),
    ("Anthropic(api_key='sk-ant-api03-AbCdEf0123456789_-GhIjKlMnOpQrStUv')",
     "AbCdEf0123456789_-GhIjKlMnOpQrStUv"),
    ("gmaps.Client(key='AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW')",
     "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7x\nabc+/==\n-----END RSA PRIVATE KEY-----",
     "MIIEpAIBAAKCAQEA7x"),
    ("k = '''-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n'''",  # truncated
     "b3BlbnNzaC1rZXktdjEA"),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF\n-----END PGP PRIVATE KEY BLOCK-----",
     "lQOYBF"),
    ("jwt = eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3",
     "eyJzdWIiOiIxMjM0NTY3ODkwIn0"),
    ('password="hunter2"', "hunter2"),
    ("api_key: 'x7'", "x7"),
    ('os.environ["TOKEN"] = "abc123"', "abc123"),
    ("os.environ['MY_API_KEY']='abc123'", "abc123"),
    ('requests.get(url, token="t0k3n")', "t0k3n"),
    ('connect(host="db", passwd="pa55", user="me")', "pa55"),
    ('db_password: str = "s3cr3t!"', "s3cr3t!"),
    ('cfg.database.password = "pw-1"', "pw-1"),
    ('{"client_secret": "c1i3nt", "client_id": "abc"}', "c1i3nt"),
    ("SECRET_KEY = b'django-insecure-0123'", "django-insecure-0123"),
    ("  - password: 'yaml-pw'", "yaml-pw"),
    ('AUTH_TOKEN = "a\\"quoted\\"token"', 'quoted\\"token'),
    ("engine = create_engine('postgresql://scott:tiger@localhost/test')", "tiger"),
    ("mongodb+srv://admin:Pa55w0rd@cluster0.mongodb.net/db", "Pa55w0rd"),
    ("requests.get('https://api.example.com/v1?api_key=abc123&q=x')", "abc123"),
    ("https://acct.blob.core.windows.net/c?sv=2020&sig=AbCd%2Bef", "AbCd%2Bef"),
    ("headers = {'Authorization': 'Bearer abcdefghijklmnop0123456789'}", "abcdefghijklmnop01"),
    ("%env OPENAI_API_KEY=my-secret-value", "my-secret-value"),
    ("!export DB_PASSWORD=hunter2", "hunter2"),
    ("@@ -1 +1 @@\n-export API_TOKEN=old0ne\n+export API_TOKEN=n3wone", "n3wone"),
    ("+  api_key: 'from-a-diff'", "from-a-diff"),
    ('city = "İstanbul"  # lower() lengthens İ\npassword = "after-unicode"', "after-unicode"),
]

# Look-alikes: must come back byte for byte.
NEGATIVES = [
    "tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased')",
    "password_length = 12",
    "n_keys = len(keys)",
    "for key, value in d.items(): print(key, value)",
    "df.sort_values(key=lambda s: s.str.lower())",
    "'sk-learn'",
    "import sklearn",
    "from sklearn.model_selection import train_test_split",
    "tokens = tokenizer(text, skip_tokens=True)",
    "digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
    "run_id = '123e4567-e89b-12d3-a456-426614174000'",
    "password = getpass()",
    "password = getpass.getpass('Password: ')",
    'token = os.environ["TOKEN"]',
    "api_key = os.getenv('OPENAI_API_KEY')",
    "url = 'https://github.com/org/repo'",
    "requests.get('https://example.com/api?page=2&sort=desc')",
    "git@github.com:org/repo.git",
    "ssh://git@github.com/org/repo.git",
    "tokenizer.pad_token = '[PAD]'",
    'tok.add_special_tokens({"eos_token": "</s>", "bos_token": "<s>"})',
    "mask_token = '[MASK]'",
    "if password == 'x': pass",
    'print("Enter password: ", name, "please")',
    'input("Password: ")',
    "password = ''",
    "%env CUDA_VISIBLE_DEVICES=0",
    "export PATH=/usr/bin:$PATH",
    "primary_key = 'id'",
    "secret_santa = 'Bob'",
    "task-risk-assessment-2024-final-report-v2",
    "basic statistics of the data",
    "AKIA_LENGTH = 20",
    "x = 'eyJhbGciOiJIUzI1NiJ9'",
    "max_tokens = 512",
    "MAX_TOKENS=512",
    "SECRET_KEY = None",
    "connect(user=user, password=password)",
    "api_key = cfg['openai']['key']",
    "token_budget: int = 4096",
    "google-auth==2.38.0",
    "sort_key = 'name'",
    "%track param lr=0.1 max_depth=3",
    "--data-dir /tmp/data",
]


@pytest.mark.parametrize(("text", "secret"), POSITIVES)
def test_secrets_are_redacted(text, secret):
    out = redact(text)
    assert secret not in out
    assert REDACTED in out


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_are_untouched(text):
    assert redact(text) == text


def test_structure_around_a_secret_is_kept():
    assert redact('password="hunter2"') == f'password="{REDACTED}"'
    assert redact("f(token='t', n=1)") == f"f(token='{REDACTED}', n=1)"
    assert (redact("postgresql://user:pass@host:5432/db")
            == f"postgresql://user:{REDACTED}@host:5432/db")
    assert (redact("https://hooks.slack.com/services/T0/B0/XYZ")
            == f"https://hooks.slack.com/services/{REDACTED}")
    assert redact("%env HF_TOKEN=abc") == f"%env HF_TOKEN={REDACTED}"
    assert redact("export DATABASE_URL=postgres://u:p@h/db") == (
        f"export DATABASE_URL={REDACTED}")
    assert redact("export DEMO_URL=postgres://u:p@h/db") == (
        f"export DEMO_URL=postgres://u:{REDACTED}@h/db")


def test_private_key_block_is_removed_whole_and_text_around_kept():
    text = ("before\n-----BEGIN PRIVATE KEY-----\nAAAA\nBBBB\n-----END PRIVATE KEY-----\n"
            "after = 1\n")
    assert redact(text) == f"before\n{REDACTED}\nafter = 1\n"


def test_many_secrets_in_one_cell():
    cell = "\n".join(text for text, _ in POSITIVES)
    out = redact(cell)
    for _, secret in POSITIVES:
        assert secret not in out
    assert "import sklearn" in redact(cell + "\nimport sklearn")


def test_redaction_is_fast_on_ordinary_code():
    cell = "\n".join(NEGATIVES * 3) + "\n" + (
        "df = pd.read_csv('data/train.csv')\nmodel.fit(X_train, y_train)\n" * 20)
    redact(cell)
    start = time.perf_counter()
    for _ in range(100):
        redact(cell)
    per_call = (time.perf_counter() - start) / 100
    assert per_call < 0.005, f"{per_call * 1e3:.2f} ms for {len(cell)} chars"


@pytest.mark.parametrize("name", [
    "API_KEY", "apiKey", "APIKey", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "DB_PASSWORD",
    "DBPASSWORD", "MYSQL_PWD", "GITHUB_TOKEN", "HF_TOKEN", "GHTOKEN", "X_AUTH_TOKEN",
    "Authorization", "OAUTH_CLIENT", "SESSION_ID", "COOKIE_SECRET", "SECRETS", "passwordHash",
    "GOOGLE_APPLICATION_CREDENTIALS", "PRIVATE_KEY_PATH", "REQUEST_SIGNATURE", "db.passwd",
])
def test_secret_names(name):
    assert is_secret_name(name)


@pytest.mark.parametrize("name", [
    "MONKEY", "KEYRING", "PYTHON_KEYRING_BACKEND", "KEYCLOAK_URL", "GIT_AUTHOR_NAME", "author",
    "TOKENIZERS_PARALLELISM", "CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS", "PYTHONHASHSEED",
    "LANG", "JUPYTER_MLOPS_STORE", "PASSWORDLESS_LOGIN", "SIGNAL_HANDLER", "",
])
def test_not_secret_names(name):
    assert not is_secret_name(name)


@pytest.mark.parametrize(("url", "expected"), [
    ("https://user:pw@github.com/org/repo.git", "https://github.com/org/repo.git"),
    ("https://ghp_abc@github.com/org/repo.git", "https://github.com/org/repo.git"),
    ("https://u:p@h.com?x=a@b", "https://h.com?x=a@b"),
    ("https://github.com/org/repo.git", "https://github.com/org/repo.git"),
    ("https://h.com/path/with@sign", "https://h.com/path/with@sign"),
    ("ssh://git@github.com:22/org/repo.git", "ssh://github.com:22/org/repo.git"),
    ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
    ("/local/path/repo", "/local/path/repo"),
])
def test_strip_url_credentials(url, expected):
    assert strip_url_credentials(url) == expected
