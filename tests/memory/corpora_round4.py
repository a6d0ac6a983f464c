"""Corpora from a fourth and a fifth reviewer's blind sets (2026-12-06): the classes they found
missed and refused.

Kept apart from `corpora.py` so that file's own tables stay as they are; `corpora.py` appends these
to its providers and look-alikes. Every value is generated at test time from the seeded generator,
in new phrasings of each class (not the reviewer's own texts): a rule that caught only the examples
it was written from would fail here.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.memory.corpora import _Gen

_Provider = Callable[["_Gen"], list[tuple[str, str]]]
_LOWER = string.ascii_lowercase
_B32 = string.ascii_uppercase + "234567"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _uuid(g: _Gen) -> str:
    return f"{g.hex(8)}-{g.hex(4)}-4{g.hex(3)}-a{g.hex(3)}-{g.hex(12)}"


def _typed(g: _Gen) -> str:
    """A password with a symbol a shell or a config would quote."""
    return g.password() + "#7"


def _one(template: str, make: Callable[[_Gen], str]) -> _Provider:
    def provider(g: _Gen) -> list[tuple[str, str]]:
        value = make(g)
        return [(value, template.format(value))]

    return provider


def _many(*templates: str, make: Callable[[_Gen], str]) -> _Provider:
    def provider(g: _Gen) -> list[tuple[str, str]]:
        return [(value, template.format(value)) for template in templates for value in [make(g)]]

    return provider


def _pem_b64(g: _Gen) -> str:
    pem = f"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC{g.b64(240)}\n-----END PRIVATE KEY-----\n"
    return base64.b64encode(pem.encode()).decode()


def _teams(g: _Gen) -> str:
    return f"https://contoso.webhook.office.com/webhookb2/{_uuid(g)}@{_uuid(g)}/IncomingWebhook/{g.hex(32)}/{_uuid(g)}"


def _wrapped_env(g: _Gen) -> str:
    """An env file in base64, as a CI variable holds it."""
    return base64.b64encode(f"APP_ENV=prod\nDATABASE_URL=mysql://app:{g.password()}@db:3306/app\n".encode()).decode()


def _words(g: _Gen, n: int) -> str:
    return " ".join(g.chars(_LOWER, 5) for _ in range(n))


def _tunnel(g: _Gen) -> str:
    payload = f'{{"a":"{g.hex(32)}","t":"{_uuid(g)}","s":"{g.b64(32)}"}}'
    return base64.b64encode(payload.encode()).decode()


ROUND4_PROVIDERS: dict[str, list[_Provider]] = {
    # A: provider prefixes
    "OpenRouter API key": [_one("export OPENROUTER_API_KEY=sk-or-v1-{}", lambda g: g.hex(64))],
    "Resend API key": [_one("mailer uses {} for receipts", lambda g: f"re_{g.b62(8)}_{g.b62(24)}")],
    "Brevo API key": [_one("brevo -> {}", lambda g: f"xkeysib-{g.hex(64)}-{g.b62(16)}")],
    "wallet private key": [_one("cold wallet root: {}", lambda g: "xprv9s21ZrQH143K" + g.chars(_B58, 95))],
    "Nostr private key": [_one("relay bot identity {}", lambda g: "nsec1" + g.chars(_BECH32, 58))],
    "Axiom token": [_one("AXIOM_TOKEN={} vector -c v.toml", lambda g: f"xaat-{_uuid(g)}")],
    "Infisical token": [_one("machine token {}", lambda g: f"st.{_uuid(g)}.{g.hex(32)}.{g.hex(32)}")],
    "payments API key (live_/test_)": [_one('$mollie->setApiKey("{}");', lambda g: "live_" + g.b62(30))],
    "Twitter bearer token": [_one("app-only auth: {}", lambda g: "A" * 21 + g.b62(24) + "%3D" + g.b62(50))],
    "EasyPost API key": [_one("shipping labels via {}", lambda g: "EZAK" + g.b62(54))],
    "Microsoft Teams webhook": [_one("deploy notices go to {}", _teams)],
    "Cloudflare tunnel token": [_one("cloudflared tunnel run --token {}", _tunnel)],
    # B, C: credentials in headers, UUID-shaped or under a scheme of their own
    "credential in an HTTP header": [
        _one("curl -H 'X-Vault-Token: {}' https://vault.internal/v1/kv/app", _uuid),
        _one('-H "Authorization: Splunk {}"', _uuid),
        _one("curl -H 'Authorization: {}' https://api.vendor.example/v2/me", lambda g: g.hex(40)),
        _one("X-Api-Key: {}", lambda g: g.b62(40)),
    ],
    # D: a secret passed positionally in code
    "secret passed in code": [
        _many(
            '$db = new mysqli("db.internal", "shop", "{}", "shop");',
            'var cred = new NetworkCredential("svc_mail", "{}");',
            'Connection c = DriverManager.getConnection(url, "app", "{}");',
            "ftp.login('backup', '{}')",
            make=_typed,
        ),
        _one('mac := hmac.New(sha256.New, []byte("{}"))', lambda g: g.hex(40)),
        _one("f = Fernet(b'{}')", lambda g: base64.urlsafe_b64encode(g.raw(32)).decode()),
    ],
    # E: flags and positions that carry a password on a command line
    "password on a command line": [
        _many(
            "sqlcmd -S db01 -U sa -P '{}' -Q 'select 1'",
            "xfreerdp /v:10.0.0.5 /u:Administrator /p:'{}'",
            "keytool -importkeystore -srcstorepass '{}' -srckeystore a.p12",
            "mongosh --host db -u admin -p '{}'",
            "rabbitmqctl change_password admin '{}'",
            "net user svc_backup {} /add",
            "127.0.0.1:6379> AUTH {}",
            "gh secret set DEPLOY_KEY_PASSPHRASE --body '{}'",
            "openssl enc -aes-256-cbc -pass pass:{} -in a -out b",
            "echo '{}' | docker login registry.internal -u ci --password-stdin",
            make=_typed,
        ),
        _one(
            "xcrun altool --upload-app -u ci@acme.example --password {}",
            lambda g: "-".join(g.chars(_LOWER, 4) for _ in range(4)),
        ),
        _one("npx cypress run --record --key {}", _uuid),
    ],
    # F: configuration vocabularies beyond password/secret/token
    "password in a config file": [
        _many(
            "redis.conf:\nrequirepass {}\n",
            "line vty 0 4\n password 0 {}\n",
            "backend admin\n    stats auth ops:{}\n",
            ': PSK "{}"',
            "CREATE USER 'etl'@'%' IDENTIFIED BY '{}';",
            'userlist.txt:\n"etl" "{}"',
            "vpn creds (auth-user-pass):\njane.doe\n{}\n",
            'release {{\n    storePassword "{}"\n}}',
            make=_typed,
        ),
        _one("snmp-server community {} RW", lambda g: g.b62(15) + "7"),
    ],
    # G: a private key in base64
    "private key": [_one("CI variable DEPLOY_KEY_B64:\n{}", _pem_b64)],
    # H: second factors and recovery material
    "app-specific password": [
        _one("app-specific password for the CI Apple ID: {}", lambda g: "-".join(g.chars(_LOWER, 4) for _ in range(4))),
        _one('curl -u "bot:{}" https://blog.example/wp-json/', lambda g: " ".join(g.b62(3) + "7" for _ in range(6))),
    ],
    "recovery key": [_one("recovery password for the laptop: {}", lambda g: "-".join(g.digits(6) for _ in range(8)))],
    "TOTP seed": [
        _one("otpauth://totp/Acme:ops?secret={}&issuer=Acme", lambda g: g.chars(_B32, 30) + "2"),
        _one("2FA seed (typed in by hand): {}", lambda g: " ".join(g.chars(_B32, 3) + "4" for _ in range(8))),
    ],
    "recovery codes": [
        _one(
            "backup codes for the admin account:\n{}",
            lambda g: "\n".join(f"{g.digits(4)} {g.digits(4)}" for _ in range(5)),
        )
    ],
    # I: sessions and one-time links
    "session cookie": [_one("Cookie: _shop_session={}; theme=dark", lambda g: g.b64url(60))],
    "one-time login link": [_one("sign-in email link: https://app.example/auth/magic?token={}", lambda g: g.b62(40))],
    # J, K: other languages, and arrows between label and value
    "password or key stated in the text": [
        _many(
            "la password del NAS è {}",
            "관리자 비밀번호: {}",
            "admin password → {}",
            make=_typed,
        ),
        _one("生产环境的令牌：{}", lambda g: g.b62(40)),
        _one("API-Schlüssel für das Staging: {}", lambda g: g.b62(32)),
        # a fifth reviewer's: more words between "for" and "is"
        _one("fyi the prod pw for the redis cache cluster is {} until Friday", _typed),
    ],
}
ROUND5_PROVIDERS: dict[str, list[_Provider]] = {
    # A fifth reviewer's classes: a DSN without a scheme, a credential in a URL's query, tokens named
    # by the command or variable that takes them, wallet keys by their context, what base64 wraps.
    "password in a URL": [
        _one('db, err := sql.Open("mysql", "report:{}@tcp(10.0.3.4:3306)/sales")', _typed),
        _one("CI variable ENV_FILE_B64 holds {}", _wrapped_env),
    ],
    "credential in a URL": [_one("hook: https://ingest.azurewebsites.net/api/Hook?code={}", lambda g: g.b64url(56))],
    "Vault token": [_one("vault login s.{}   # the old cluster's root token", lambda g: g.b62(24))],
    "token on a command line": [_one("snyk auth {}", _uuid)],
    "key in code": [_one('const PII_KEY = Buffer.from("{}", "hex");', lambda g: g.hex(64))],
    "session cookie": [_one("Cookie: .AspNetCore.Cookies={}", lambda g: g.b64url(90))],
    "wallet private key": [
        _one('networks: {{ sepolia: {{ accounts: ["0x{}"] }} }}', lambda g: g.hex(64)),
        _one("WIF for the test wallet: {}", lambda g: "K" + g.chars(_B58, 51)),
    ],
    "wallet seed phrase": [
        _one("seed phrase for the faucet wallet (it holds real funds, careful): {}", lambda g: _words(g, 12))
    ],
}
for _kind, _more in ROUND5_PROVIDERS.items():
    ROUND4_PROVIDERS.setdefault(_kind, []).extend(_more)


def round4_benign() -> list[str]:
    """Look-alikes of the new classes that hold no secret: references, published examples, public
    keys, identifiers, and the ordinary commands and configs the new rules read."""
    return [
        "doctrine:\n  dbal:\n    password: '%env(DB_PASSWORD)%'",
        # found in public rules for AI assistants: an identifier in a code span, a package pinned in a call
        "6. **Naming**: types named for the implementation (`UserManagerImplV2`) rather than the role.",
        '// Third-Party Packages: session.add_packages("pandas", "scikit-learn==1.3.0", "xgboost")',
        "MasterUserPassword: '{{resolve:secretsmanager:prod/rds:SecretString:password}}'",
        "mqtt:\n  password: !secret mqtt_password",
        "secret ARN: arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbC123",
        "def test_login(client):\n    client.post('/login', data={'password': 'open-sesame-please'})",
        ".env.example\nSECRET_KEY=generate-with-openssl-rand-hex-32",
        "The RFC 7515 example in the spec uses the key from appendix A; do not reuse it.",
        "wg show:\n  public key: J8e8wcbFJvRcAJFgn9KDCulGQK/ln/G1Pm17BeOJ0UM=",
        'Purchases.configure(withAPIKey: "appl_mqFHEaKqYCthcXzvtACIPjhNr1i")  // public SDK key',
        "Run `pytest -p no:cacheprovider -x tests/` before pushing.",
        "docker run -p 8080:80 nginx:1.25 and ssh -p 2222 deploy@bastion",
        "gpg --recv-keys 87BD10286639E9F9957B7022C7A4A3E0C2EE11DA",
        "stripe trigger payment_intent.succeeded --idempotency-key 8d7f6e5c-4b3a-4291-a0b1-c2d3e4f5a6b7",
        "openssl pkcs12 -export -in c.pem -inkey k.pem -passout env:P12_PASS -out b.p12",
        "echo $GITHUB_TOKEN | gh auth login --with-token",
        "obj = ObjectId('b2cba0ffa13e96e0d81e74bd'); data = base64.b64decode('aGVsbG8gd29ybGQgZnJvbSB0aGUgdGVzdHM=')",
        "subprocess.run(['git', 'checkout', '9fceb02d0ae598e95dc970b74767f19372d61af8'])",
        "logger.info('request %s took %sms', 'req_7Hd92kLm3Pq8Zx', 120)",
        "X-Request-Id: 8d7f6e5c-4b3a-4291-a0b1-c2d3e4f5a6b7\nX-Trace-Id: 4bf92f3577b34da6a3ce929d0e0e4736",
        "X-GitHub-Delivery: 72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "PasswordAuthentication no\nHostKey /etc/ssh/ssh_host_ed25519_key",
        "snmp-server community public RO",
        "TOTP: 30 second steps, 6 digits, SHA1; the seed is shown once as a QR code.",
        "https://app.example/login?next=/dashboard/settings/billing/invoices",
        "Cookie: theme=dark; lang=en-US; _ga=GA1.2.1234567890.1700000000",
        "Der API-Schlüssel liegt im Tresor unter secret/ops/mistral",
        "API token → stored in 1Password (item: Hetzner prod)",
        "CREATE USER 'app'@'%' IDENTIFIED BY '${DB_PASSWORD}';",
        "mc alias set local http://localhost:9000 minioadmin minioadmin",
        'storePassword System.getenv("KEYSTORE_PASSWORD")',
        "msbuild /p:Configuration=Release /p:Platform=x64",
        "The BitLocker recovery key ID is D6C02E67; the key itself is in Entra ID.",
        "test_ReturnsCorrectValueWhenInputIs0 failed on CI",
        "mixpanel.init('a1b2c3d4e5f60718293a4b5c6d7e8f90')  // project token, public",
        # the fifth reviewer's
        "CREATE ROLE app LOGIN PASSWORD :'app_password';  -- psql -v app_password=... sets it",
        "database:\n  password: DB_PASSWORD  # the name of the variable, read at start",
        "The deploy transaction 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060 confirmed.",
        "echo 'aGVsbG8gd29ybGQsIHRoaXMgaXMganVzdCBhIGdyZWV0aW5nIGZvciB0aGUgZG9jcw==' | base64 -d",
    ]
