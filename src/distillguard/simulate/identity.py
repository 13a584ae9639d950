"""Who and where simulated clients are: regions, networks (prefixes and ASNs), user agents, e-mail domains.

Every population, legitimate or not, draws from these same pools; populations differ only in
their weights, so no value exists that only attack traffic carries.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.simulate.vocab import COMPANY_STEMS, COMPANY_SUFFIXES, _w


@dataclass(frozen=True)
class Region:
    tz_hours: float
    country: str
    languages: dict[str, float]
    isp: tuple[tuple[int, str], ...]  # (asn, prefix) of residential and mobile networks
    consumer_email: tuple[str, ...]
    edu_suffix: str


REGIONS: dict[str, Region] = {
    "us_east": Region(
        -5,
        "US",
        {"en": 0.93, "es": 0.07},
        ((7922, "73.0.0.0/8"), (701, "71.160.0.0/11"), (7018, "99.0.0.0/11"), (21928, "172.56.0.0/14")),
        ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com", "proton.me"),
        "edu",
    ),
    "us_central": Region(
        -6,
        "US",
        {"en": 0.9, "es": 0.1},
        ((20115, "24.176.0.0/12"), (7018, "108.192.0.0/11"), (7922, "98.192.0.0/10")),
        ("gmail.com", "outlook.com", "yahoo.com", "icloud.com"),
        "edu",
    ),
    "us_west": Region(
        -8,
        "US",
        {"en": 0.88, "es": 0.06, "zh": 0.06},
        ((7922, "67.160.0.0/11"), (20001, "76.168.0.0/13"), (21928, "172.32.0.0/11")),
        ("gmail.com", "outlook.com", "icloud.com", "yahoo.com", "proton.me"),
        "edu",
    ),
    "mexico": Region(
        -6,
        "MX",
        {"es": 0.9, "en": 0.1},
        ((8151, "187.128.0.0/10"), (28403, "189.128.0.0/11")),
        ("gmail.com", "hotmail.com", "outlook.com", "yahoo.com.mx"),
        "edu.mx",
    ),
    "uk": Region(
        0,
        "GB",
        {"en": 1.0},
        ((2856, "86.128.0.0/10"), (5089, "82.0.0.0/12"), (25135, "82.132.192.0/18")),
        ("gmail.com", "outlook.com", "hotmail.co.uk", "icloud.com", "btinternet.com"),
        "ac.uk",
    ),
    "germany": Region(
        1,
        "DE",
        {"de": 0.85, "en": 0.15},
        ((3320, "79.192.0.0/10"), (3209, "88.64.0.0/12"), (6805, "85.176.0.0/12")),
        ("gmail.com", "gmx.de", "web.de", "t-online.de", "outlook.com"),
        "de",
    ),
    "spain": Region(
        1,
        "ES",
        {"es": 0.9, "en": 0.1},
        ((3352, "83.32.0.0/11"), (12479, "88.26.0.0/15")),
        ("gmail.com", "hotmail.es", "outlook.es", "yahoo.es"),
        "es",
    ),
    "france": Region(
        1,
        "FR",
        {"fr": 0.88, "en": 0.12},
        ((3215, "90.0.0.0/9"), (12322, "82.64.0.0/10")),
        ("gmail.com", "orange.fr", "free.fr", "outlook.fr", "laposte.net"),
        "fr",
    ),
    "india": Region(
        5.5,
        "IN",
        {"en": 1.0},
        ((55836, "49.32.0.0/11"), (24560, "122.160.0.0/12")),
        ("gmail.com", "outlook.com", "rediffmail.com", "yahoo.in"),
        "ac.in",
    ),
    "china": Region(
        8,
        "CN",
        {"zh": 0.9, "en": 0.1},
        ((4134, "114.80.0.0/12"), (4837, "112.224.0.0/11"), (9808, "111.0.0.0/10")),
        ("qq.com", "163.com", "126.com", "gmail.com", "foxmail.com"),
        "edu.cn",
    ),
    "singapore": Region(
        8,
        "SG",
        {"en": 0.8, "zh": 0.2},
        ((3758, "116.86.0.0/15"), (9506, "118.200.0.0/13")),
        ("gmail.com", "outlook.com", "yahoo.com.sg"),
        "edu.sg",
    ),
    "japan": Region(
        9,
        "JP",
        {"ja": 0.88, "en": 0.12},
        ((4713, "153.128.0.0/10"), (2516, "106.128.0.0/11"), (9605, "1.72.0.0/13")),
        ("gmail.com", "yahoo.co.jp", "docomo.ne.jp", "outlook.jp", "icloud.com"),
        "ac.jp",
    ),
    "korea": Region(
        9,
        "KR",
        {"en": 0.7, "ja": 0.05, "zh": 0.25},
        ((4766, "175.192.0.0/10"), (9318, "211.104.0.0/13")),
        ("naver.com", "gmail.com", "daum.net"),
        "ac.kr",
    ),
    "australia": Region(
        10,
        "AU",
        {"en": 1.0},
        ((1221, "101.160.0.0/11"), (4804, "110.174.0.0/15")),
        ("gmail.com", "outlook.com", "bigpond.com", "icloud.com"),
        "edu.au",
    ),
}

# Data-centre networks (cloud VMs, proxies and VPN exits): legitimate services and harvesters both live here.
CLOUD: dict[str, tuple[int, tuple[str, ...]]] = {
    "aws": (16509, ("3.0.0.0/9", "52.0.0.0/10", "54.64.0.0/11", "18.128.0.0/9")),
    "gcp": (396982, ("34.64.0.0/10", "35.184.0.0/13")),
    "azure": (8075, ("20.0.0.0/11", "40.64.0.0/10")),
    "digitalocean": (14061, ("138.68.0.0/16", "167.99.0.0/16", "159.203.0.0/16")),
    "hetzner": (24940, ("65.108.0.0/15", "95.216.0.0/15", "135.181.0.0/16")),
    "ovh": (16276, ("51.68.0.0/16", "54.36.0.0/16", "145.239.0.0/16")),
    "alibaba": (45102, ("47.74.0.0/15", "8.208.0.0/12")),
    "tencent": (132203, ("43.128.0.0/10",)),
    "oracle": (31898, ("129.146.0.0/16", "150.136.0.0/16")),
    "linode": (63949, ("172.104.0.0/15", "139.162.0.0/16")),
    "vultr": (20473, ("45.76.0.0/15", "149.28.0.0/16")),
}
VPN_EXITS: dict[str, tuple[int, tuple[str, ...]]] = {
    "zscaler": (62044, ("165.225.0.0/17", "147.161.128.0/17")),
    "cloudflare_warp": (13335, ("104.28.0.0/16", "172.71.0.0/16")),
    "m247": (9009, ("37.120.128.0/17", "89.187.160.0/19")),
}

USER_AGENTS: dict[str, list[str]] = {
    "openai-python": [f"openai-python/1.{m}.{p}" for m in range(40, 110, 3) for p in range(0, 3)],
    "anthropic-python": [f"anthropic-sdk-python/0.{m}.{p}" for m in range(30, 72, 2) for p in range(0, 3)],
    "anthropic-ts": [f"anthropic-sdk-typescript/0.{m}.{p}" for m in range(20, 60, 3) for p in range(0, 2)],
    "openai-node": [f"openai-node/4.{m}.{p}" for m in range(40, 100, 4) for p in range(0, 2)],
    "httpx": [f"python-httpx/0.{m}.{p}" for m in range(24, 29) for p in range(0, 3)],
    "requests": [f"python-requests/2.{m}.{p}" for m in range(27, 33) for p in range(0, 4)],
    "curl": [
        "curl/7.68.0",
        "curl/7.81.0",
        "curl/7.88.1",
        "curl/8.4.0",
        "curl/8.5.0",
        "curl/8.7.1",
        "curl/8.9.1",
        "curl/8.11.1",
    ],
    "go": ["Go-http-client/1.1", "Go-http-client/2.0"],
    "java": [f"okhttp/4.{m}.0" for m in range(9, 13)]
    + [f"Java-http-client/{v}" for v in ("17.0.9", "21.0.2", "21.0.5")],
    "litellm": [f"litellm/1.{m}.{p}" for m in range(40, 75, 2) for p in range(0, 5, 2)],
    "langchain": [f"langchain-core/0.{m}.{p}" for m in range(2, 4) for p in range(0, 40, 5)],
    "coding_tool": [
        f"{tool}/{major}.{minor}.{patch}"
        for tool, major in (("aider", 0), ("cline", 3), ("continue", 1), ("opencode", 0), ("roo-code", 3))
        for minor in range(5, 60, 9)
        for patch in range(0, 3)
    ],
    "boto3": [
        f"Boto3/1.{m}.{p} md/Botocore#1.{m}.{p} ua/2.0 os/linux lang/python#3.{v}"
        for m in range(34, 38)
        for p in (0, 5, 12)
        for v in (10, 11, 12)
    ],
    "vertex": [f"google-cloud-aiplatform/1.{m}.0 grpc-python/1.{g}.0" for m in range(60, 80, 2) for g in (62, 66, 70)],
    "browser": [
        f"Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v}.0.0.0 Safari/537.36"
        for os in ("Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7", "X11; Linux x86_64")
        for v in range(118, 134)
    ]
    + [f"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0" for v in range(115, 134)]
    + [
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        f"Version/{v}.{m} Safari/605.1.15"
        for v in (16, 17, 18)
        for m in range(0, 6)
    ],
}

SURFACES = ("api", "console", "bedrock", "vertex")
UNIVERSITY_STEMS = _w(
    "northfield|lakeshore|riverton|eastbay|kingsbridge|hillcrest|westbrook|clearwater|stonegate|maplewood|"
    "fairhaven|ashford|brookvale|cedarpoint|deerfield|elmhurst|glenmore|highland|ironwood|juniper|kensington|"
    "lindenwood|marlow|newhaven|oakmont|pinecrest|queensbury|ravensworth|silverton|thornbury|upland|valemont|"
    "whitmore|yarrow|zenith|bayside|copperfield|dunmore|evergreen|foxley"
)
RESEARCH_WORDS = _w(
    "Institute for Advanced Study|Research Lab|Center for Machine Intelligence|AI Lab|Computing Institute"
)


def company_names(rng: np.random.Generator, count: int) -> list[str]:
    stems = rng.choice(COMPANY_STEMS, count)
    suffixes = rng.choice(COMPANY_SUFFIXES, count)
    return [f"{a} {b}" for a, b in zip(stems, suffixes, strict=True)]


def domain_of(name: str, tld: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum()) + tld


def university(rng: np.random.Generator, region: Region) -> tuple[str, str]:
    stem = str(rng.choice(UNIVERSITY_STEMS))
    name = f"{stem.capitalize()} University"
    suffix = region.edu_suffix
    domain = f"{stem}.{suffix}" if suffix != "de" else f"uni-{stem}.de"
    if suffix in ("es", "fr"):
        domain = f"univ-{stem}.{suffix}"
    return name, domain


@dataclass
class AddressBook:
    """The run's table of client addresses: appended to while accounts are made, read per exchange.

    >>> book = AddressBook.empty()
    >>> addresses, asns = book.draw(np.random.default_rng(0), [(64500, "198.51.100.0/24")], 2)
    >>> first = book.add(addresses, asns)
    >>> [ip.startswith("198.51.100.") for ip in book.strings()[0].to_pylist()], book.strings()[1].tolist()
    ([True, True], [64500, 64500])
    """

    values: list[np.ndarray]
    asns: list[np.ndarray]
    size: int = 0

    @classmethod
    def empty(cls) -> AddressBook:
        return cls([], [])

    def add(self, addresses: np.ndarray, asns: np.ndarray) -> int:
        """Append addresses; return the index of the first one."""
        first = self.size
        self.values.append(addresses.astype(np.uint32))
        self.asns.append(asns.astype(np.int32))
        self.size += len(addresses)
        return first

    def draw(
        self, rng: np.random.Generator, networks: list[tuple[int, str]], count: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Random addresses inside randomly chosen prefixes of ``networks``; returns (address, asn)."""
        choice = rng.integers(0, len(networks), count)
        nets = [ipaddress.ip_network(prefix) for _, prefix in networks]
        base = np.array([int(n.network_address) for n in nets], np.int64)
        size = np.array([n.num_addresses for n in nets], np.int64)
        asn = np.array([a for a, _ in networks], np.int64)
        offset = (rng.random(count) * (size[choice] - 2)).astype(np.int64) + 1
        return (base[choice] + offset).astype(np.uint32), asn[choice]

    def near(self, rng: np.random.Generator, address: np.ndarray, spread: int) -> np.ndarray:
        """Addresses in the same /24-ish neighbourhood (a dynamic residential lease, a NAT pool)."""
        return (address.astype(np.int64) & ~0xFF | rng.integers(1, min(spread, 254) + 1, len(address))).astype(
            np.uint32
        )

    def strings(self) -> tuple[pa.Array, np.ndarray]:
        values = np.concatenate(self.values) if self.values else np.zeros(0, np.uint32)
        asns = np.concatenate(self.asns) if self.asns else np.zeros(0, np.int32)
        octets = [pc.cast(pa.array((values >> shift) & 0xFF), pa.string()) for shift in (24, 16, 8, 0)]
        return pc.binary_join_element_wise(*octets, "."), asns


def cloud_networks(names: list[str]) -> list[tuple[int, str]]:
    return [(CLOUD[name][0], prefix) for name in names for prefix in CLOUD[name][1]]


def vpn_networks(names: list[str]) -> list[tuple[int, str]]:
    return [(VPN_EXITS[name][0], prefix) for name in names for prefix in VPN_EXITS[name][1]]
