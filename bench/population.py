"""A synthetic national population of children, loaded with PostgreSQL COPY.

    .venv/bin/python bench/population.py --children 1000000      # the default size
    .venv/bin/python bench/population.py --children 11000000     # all of England

Households share a family name, an address and carers; siblings are spaced a few years
apart and 1.5 % are twins. Given names follow recent baby-name frequencies and family
names British surname frequencies with a long tail (bench/names.py). 8 % of children have
a former family name and 3 % a "known as" name. Dates of birth spread evenly over 0-17
years. Postcodes cluster in about 2,000 districts of uneven size. Involvements follow the
universal services (GP, school or health visitor and nursery), with a few per cent known
to social care, youth, police, voluntary and sensitive services, and 0.1 % known to many
agencies. 0.05 % of children are shielded.

The database ``childindex_bench_<children>`` lives on the same server as DATABASE_URL
and is reused while the generator version, the seed and the applied migrations are
unchanged (``--force`` reloads it). Every generated value is deterministic for a seed.
"""

import argparse
import contextlib
import datetime
import hashlib
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.settings")

GENERATOR_VERSION = 4
SEED = 20261124
DISTRICTS_PER_AREA = 20
CHUNK = 50_000  # households per generation chunk
AREAS = {
    "B": "Birmingham",
    "M": "Manchester",
    "L": "Liverpool",
    "LS": "Leeds",
    "S": "Sheffield",
    "BS": "Bristol",
    "NE": "Newcastle",
    "NG": "Nottingham",
    "LE": "Leicester",
    "CV": "Coventry",
    "BD": "Bradford",
    "ST": "Stoke",
    "WV": "Wolverhampton",
    "PL": "Plymouth",
    "SO": "Southampton",
    "PO": "Portsmouth",
    "DE": "Derby",
    "HU": "Hull",
    "BN": "Brighton",
    "RG": "Reading",
    "MK": "Milton Keynes",
    "NR": "Norwich",
    "LU": "Luton",
    "OX": "Oxford",
    "CB": "Cambridge",
    "EX": "Exeter",
    "YO": "York",
    "PR": "Preston",
    "BL": "Bolton",
    "OL": "Oldham",
    "SK": "Stockport",
    "WA": "Warrington",
    "CH": "Chester",
    "TS": "Middlesbrough",
    "SR": "Sunderland",
    "DH": "Durham",
    "CA": "Carlisle",
    "LA": "Lancaster",
    "BB": "Blackburn",
    "FY": "Blackpool",
    "HD": "Huddersfield",
    "HX": "Halifax",
    "WF": "Wakefield",
    "DN": "Doncaster",
    "LN": "Lincoln",
    "PE": "Peterborough",
    "IP": "Ipswich",
    "CO": "Colchester",
    "CM": "Chelmsford",
    "SS": "Southend",
    "ME": "Medway",
    "CT": "Canterbury",
    "TN": "Tunbridge Wells",
    "RH": "Redhill",
    "GU": "Guildford",
    "KT": "Kingston",
    "SM": "Sutton",
    "CR": "Croydon",
    "BR": "Bromley",
    "DA": "Dartford",
    "SE": "London SE",
    "SW": "London SW",
    "E": "London E",
    "N": "London N",
    "NW": "London NW",
    "W": "London W",
    "EN": "Enfield",
    "IG": "Ilford",
    "RM": "Romford",
    "HA": "Harrow",
    "UB": "Southall",
    "TW": "Twickenham",
    "SL": "Slough",
    "HP": "Hemel Hempstead",
    "AL": "St Albans",
    "SG": "Stevenage",
    "WD": "Watford",
    "GL": "Gloucester",
    "BA": "Bath",
    "TA": "Taunton",
    "TQ": "Torquay",
    "TR": "Truro",
    "DT": "Dorchester",
    "BH": "Bournemouth",
    "SP": "Salisbury",
    "SN": "Swindon",
    "HR": "Hereford",
    "WR": "Worcester",
    "TF": "Telford",
    "SY": "Shrewsbury",
    "WS": "Walsall",
    "DY": "Dudley",
    "NN": "Northampton",
    "HG": "Harrogate",
    "DL": "Darlington",
}
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = "Road Street Lane Avenue Close Drive Way Gardens Crescent Grove Place Terrace".split()
NOW = "2026-11-01 09:00:00+00"


# -- the database -------------------------------------------------------------------------


def database_for(children: int) -> str:
    return f"childindex_bench_{children}"


def use_database(name: str) -> str:
    """Point DATABASE_URL (and so Django) at ``name`` on the same server; return the URL."""
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/childindex")
    scheme, rest = url.split("://", 1)
    rest = re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", rest, count=1)
    os.environ["DATABASE_URL"] = f"{scheme}://{rest}"
    return os.environ["DATABASE_URL"]


def server_url(url: str, dbname: str = "postgres") -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    return make_conninfo(**{**conninfo_to_dict(url), "dbname": dbname})


def migrations_fingerprint() -> str:
    names = sorted(
        str(p.relative_to(ROOT)) + hashlib.sha1(p.read_bytes()).hexdigest()
        for p in ROOT.glob("*/migrations/0*.py")
    )
    return hashlib.sha1("\n".join(names).encode()).hexdigest()[:16]


def wanted_meta(children: int, seed: int) -> dict:
    return {
        "children": children,
        "seed": seed,
        "generator": GENERATOR_VERSION,
        "migrations": migrations_fingerprint(),
    }


def existing_meta(url: str) -> dict | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT children, seed, generator, migrations, load_seconds, households, "
                "involvements FROM bench_population"
            ).fetchone()
    except psycopg.Error:
        return None
    if row is None:
        return None
    keys = ["children", "seed", "generator", "migrations", "load_seconds", "households"]
    return dict(zip(keys + ["involvements"], row, strict=True))


def ensure_population(children: int, seed: int = SEED, force: bool = False) -> dict:
    """Make sure the benchmark database holds this population; return its description."""
    import psycopg

    name = database_for(children)
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/childindex")
    url = use_database(name)
    want = wanted_meta(children, seed)
    have = None if force else existing_meta(url)
    if have and all(have[k] == v for k, v in want.items()):
        print(f"population: reusing {name} (loaded in {have['load_seconds']:.0f} s)", flush=True)
        return have
    with psycopg.connect(server_url(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connections

    connections.close_all()
    started = time.perf_counter()
    stats = Loader(url, children, seed).load()
    load_seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_population (children int, seed bigint, generator int, "
            "migrations text, load_seconds float, households int, involvements bigint, "
            "steps jsonb)"
        )
        conn.execute(
            "INSERT INTO bench_population VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                children,
                seed,
                GENERATOR_VERSION,
                want["migrations"],
                load_seconds,
                stats["households"],
                stats["involvements"],
                psycopg.types.json.Jsonb(stats["steps"]),
            ],
        )
    print(f"population: loaded {children:,} children in {load_seconds:.0f} s", flush=True)
    return {**want, "load_seconds": load_seconds, **stats}


# -- generation ---------------------------------------------------------------------------


class Copy:
    """One COPY stream on its own connection, fed in large text blocks."""

    def __init__(self, stack: contextlib.ExitStack, url: str, table: str, columns: list[str]):
        import psycopg

        self.conn = stack.enter_context(psycopg.connect(url))
        self.conn.execute("SET session_replication_role = replica")  # no FK triggers
        self.conn.execute("SET synchronous_commit = off")
        self.copy = stack.enter_context(
            self.conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        )
        self.lines: list[str] = []
        self.rows = 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.copy.write("".join(self.lines))
            self.rows += len(self.lines)
            self.lines = []


BULK_TABLES = [
    "records_child",
    "records_childname",
    "records_address",
    "records_carer",
    "involvements_involvement",
]


REFERENCE_TABLES = ["accounts_organisation", "involvements_service", "involvements_practitioner"]


class Loader:
    def __init__(self, url: str, children: int, seed: int):
        self.url = url
        self.children = children
        self.rng = np.random.default_rng(seed)
        self.today = datetime.date(2026, 11, 1)
        self.steps: dict[str, float] = {}

    # reference data: organisations, services and practitioners, district by district
    def reference(self) -> None:
        import psycopg

        from records.names import normalise_name, phonetic_key

        self.norm_cache: dict[str, tuple[str, str]] = {}

        def forms(name: str) -> tuple[str, str]:
            cached = self.norm_cache.get(name)
            if cached is None:
                norm = normalise_name(name)
                cached = self.norm_cache[name] = (norm, phonetic_key(norm))
            return cached

        self.forms = forms
        areas = list(AREAS)
        self.districts: list[tuple[str, int]] = []  # (district code, area index)
        for a, area in enumerate(areas):
            for number in range(1, DISTRICTS_PER_AREA + 1):
                self.districts.append((f"{area}{number}", a))
        n_districts = len(self.districts)
        # Uneven district sizes: a log-normal spread, like real postcode districts.
        sizes = self.rng.lognormal(0, 0.6, n_districts)
        self.district_p = sizes / sizes.sum()
        per_district = self.children / n_districts
        self.schools_per = max(1, round(per_district / 450))
        self.gps_per = max(1, round(per_district / 1700))
        self.units_per = max(20, round(per_district / 1.8 / 18))  # ~18 households a postcode

        orgs, services, practitioners = [], [], []
        self.area_services: list[dict[str, list[int]]] = []
        self.district_services: list[dict[str, list[int]]] = []
        self.practitioners_of: dict[int, list[int]] = {}
        service_id = practitioner_id = 0

        def add_service(org: int, code: str, name: str, kind: str, staff: int, area: str) -> int:
            nonlocal service_id, practitioner_id
            service_id += 1
            phone = f"0{self.rng.integers(1000, 9999)} {self.rng.integers(100000, 999999)}"
            email = f"{code.lower()}@services.example.org"
            services.append((service_id, code, name, kind, phone, email, org, area))
            ids = []
            for _ in range(staff):
                practitioner_id += 1
                ids.append(practitioner_id)
                practitioners.append(
                    (practitioner_id, f"Practitioner {practitioner_id}", kind, org, email, phone)
                )
            self.practitioners_of[service_id] = ids
            return service_id

        for a, area in enumerate(areas):
            town = AREAS[area]
            la, health, police, voluntary = (len(orgs) + k + 1 for k in range(4))
            orgs += [
                (la, f"LA-{area}", f"{town} Council", "local_authority"),
                (health, f"NHS-{area}", f"{town} Health", "health"),
                (police, f"POL-{area}", f"{town} Police", "police"),
                (voluntary, f"VOL-{area}", f"{town} Family Action", "voluntary"),
            ]
            self.area_services.append(
                {
                    "social_care": [
                        add_service(
                            la,
                            f"SC-{area}",
                            f"{town} Children's Social Care",
                            "social_care",
                            40,
                            town,
                        )
                    ],
                    "youth": [
                        add_service(la, f"YS-{area}", f"{town} Youth Service", "youth", 10, town)
                    ],
                    "police": [
                        add_service(
                            police, f"PP-{area}", f"{town} Police Protection", "police", 8, town
                        )
                    ],
                    "voluntary": [
                        add_service(
                            voluntary,
                            f"VO-{area}-{k}",
                            f"{town} Family Support {k}",
                            "voluntary",
                            5,
                            town,
                        )
                        for k in range(3)
                    ],
                    "mental_health": [
                        add_service(
                            health, f"MH-{area}", f"{town} CAMHS", "mental_health", 10, town
                        )
                    ],
                    "sexual_health": [
                        add_service(
                            health, f"SH-{area}", f"{town} Sexual Health", "sexual_health", 4, town
                        )
                    ],
                    "substance_misuse": [
                        add_service(
                            health,
                            f"SU-{area}",
                            f"{town} Young People's Substance Misuse",
                            "substance_misuse",
                            3,
                            town,
                        )
                    ],
                    "school_nursing": [
                        add_service(
                            health,
                            f"SN-{area}",
                            f"{town} School Nursing",
                            "school_nursing",
                            6,
                            town,
                        )
                    ],
                }
            )
        for d, (district, a) in enumerate(self.districts):
            la, health = 4 * a + 1, 4 * a + 2
            self.district_services.append(
                {
                    "school": [
                        add_service(
                            la,
                            f"SCH-{district}-{k}",
                            f"{district} School {k + 1}",
                            "school",
                            0,
                            district,
                        )
                        for k in range(self.schools_per)
                    ],
                    "nursery": [
                        add_service(
                            la, f"NUR-{district}", f"{district} Nursery", "school", 0, district
                        )
                    ],
                    "gp": [
                        add_service(
                            health,
                            f"GP-{district}-{k}",
                            f"{district} Medical Practice {k + 1}",
                            "gp",
                            0,
                            district,
                        )
                        for k in range(self.gps_per)
                    ],
                    "health_visiting": [
                        add_service(
                            health,
                            f"HV-{district}",
                            f"{district} Health Visiting Team",
                            "health_visiting",
                            4,
                            district,
                        )
                    ],
                }
            )
        with psycopg.connect(self.url) as conn, conn.cursor() as cur:
            with cur.copy(
                "COPY accounts_organisation (id, public_id, code, name, organisation_type, "
                "area_districts) FROM STDIN"
            ) as copy:
                for oid, code, name, kind in orgs:
                    copy.write_row((oid, _uuid(self.rng), code, name, kind, ""))
            with cur.copy(
                "COPY involvements_service (id, public_id, code, name, service_type, phone, "
                "email, address, organisation_id, area_served, categories, description, "
                "how_to_refer, opening_times) FROM STDIN"
            ) as copy:
                for sid, code, name, kind, phone, email, org, area in services:
                    copy.write_row(
                        (
                            sid,
                            _uuid(self.rng),
                            code,
                            name,
                            kind,
                            phone,
                            email,
                            area,
                            org,
                            area,
                            "",
                            "",
                            "Phone the service",
                            "Monday to Friday, 9am to 5pm",
                        )
                    )
            with cur.copy(
                "COPY involvements_practitioner (id, public_id, name, job_title, email, phone, "
                "organisation_id) FROM STDIN"
            ) as copy:
                for pid, name, kind, org, email, phone in practitioners:
                    copy.write_row(
                        (
                            pid,
                            _uuid(self.rng),
                            name,
                            kind.replace("_", " ").title() + " worker",
                            email,
                            phone,
                            org,
                        )
                    )
        self.service_count = len(services)

    def load(self) -> dict:
        import psycopg

        from bench.names import family_names, given_names

        started = time.perf_counter()
        self.reference()
        boys, boy_w, girls, girl_w = given_names()
        families, family_w = family_names()
        boy_p = np.array(boy_w) / sum(boy_w)
        girl_p = np.array(girl_w) / sum(girl_w)
        family_p = np.array(family_w) / sum(family_w)
        adult_women = [n for n in girls[::-1]][:150]
        adult_men = [n for n in boys[::-1]][:150]

        with psycopg.connect(self.url, autocommit=True) as conn:
            saved = _drop_secondary(conn, BULK_TABLES)
            conn.execute(
                "ALTER TABLE involvements_involvement ALTER COLUMN public_id "
                "SET DEFAULT gen_random_uuid()"
            )
            conn.execute(
                "ALTER TABLE records_child ALTER COLUMN public_id SET DEFAULT gen_random_uuid()"
            )
        self.steps["reference_and_drop_indexes_s"] = time.perf_counter() - started

        started = time.perf_counter()
        child_id = name_id = address_id = carer_id = involvement_id = households = 0
        today = self.today
        base_ordinal = today.toordinal()
        max_age_days = int(18 * 365.25) - 1
        with contextlib.ExitStack() as stack:
            c_child = Copy(
                stack,
                self.url,
                "records_child",
                [
                    "id",
                    "given_name",
                    "family_name",
                    "date_of_birth",
                    "gender",
                    "is_shielded",
                    "shield_review_due",
                    "created_at",
                    "updated_at",
                    "consent_until_25",
                ],
            )
            c_name = Copy(
                stack,
                self.url,
                "records_childname",
                [
                    "id",
                    "child_id",
                    "kind",
                    "given_name",
                    "family_name",
                    "given_norm",
                    "family_norm",
                    "given_key",
                    "family_key",
                    "used_until",
                    "date_of_birth",
                ],
            )
            c_address = Copy(
                stack,
                self.url,
                "records_address",
                [
                    "id",
                    "child_id",
                    "status",
                    "line_1",
                    "line_2",
                    "town",
                    "postcode",
                    "postcode_district",
                    "moved_in",
                ],
            )
            c_carer = Copy(
                stack,
                self.url,
                "records_carer",
                [
                    "id",
                    "child_id",
                    "name",
                    "relationship",
                    "has_parental_responsibility",
                    "phone",
                    "email",
                ],
            )
            c_inv = Copy(
                stack,
                self.url,
                "involvements_involvement",
                [
                    "id",
                    "child_id",
                    "service_id",
                    "practitioner_id",
                    "role",
                    "start_date",
                    "end_date",
                    "is_sensitive",
                    "basis",
                    "basis_by",
                    "basis_date",
                    "basis_note",
                    "external_ref",
                    "source",
                    "updated_at",
                ],
            )
            rng = self.rng
            while child_id < self.children:
                h = CHUNK
                kids = rng.choice([1, 2, 3, 4], size=h, p=[0.45, 0.35, 0.14, 0.06])
                fam = rng.choice(len(families), size=h, p=family_p)
                dist = rng.choice(len(self.districts), size=h, p=self.district_p)
                unit = rng.integers(0, self.units_per, size=h)
                house = rng.integers(1, 180, size=h)
                street = rng.integers(0, len(families), size=h)
                street_kind = rng.integers(0, len(STREETS), size=h)
                mother = rng.integers(0, len(adult_women), size=h)
                father = rng.integers(0, len(adult_men), size=h)
                two_carers = rng.random(h) < 0.6
                phone = rng.integers(100_000_000, 999_999_999, size=h)
                first_age = rng.integers(0, max_age_days, size=h)
                total_kids = int(kids.sum())
                gender = rng.random(total_kids)
                boy_pick = rng.choice(len(boys), size=total_kids, p=boy_p)
                girl_pick = rng.choice(len(girls), size=total_kids, p=girl_p)
                extra = rng.random((total_kids, 12))
                gaps = rng.integers(300, 2200, size=total_kids)
                k = 0
                for i in range(h):
                    if child_id >= self.children:
                        break
                    households += 1
                    family = families[fam[i]]
                    district, area = self.districts[dist[i]]
                    units = unit[i]
                    postcode = (
                        f"{district} {units % 9 + 1}{UNIT_LETTERS[(units // 9) % 20]}"
                        f"{UNIT_LETTERS[(units // 180) % 20]}"
                    )
                    line_1 = f"{house[i]} {families[street[i]]} {STREETS[street_kind[i]]}"
                    town = AREAS[re.match(r"[A-Z]+", district).group(0)]
                    mother_name = f"{adult_women[mother[i]]} {family}"
                    mobile = f"07{phone[i]}"
                    age_days = int(first_age[i])
                    for j in range(int(kids[i])):
                        child_id += 1
                        if child_id > self.children:
                            break
                        r = extra[k]
                        if j > 0 and r[11] > 0.03:  # not a twin: an older sibling
                            age_days = age_days + int(gaps[k])
                            if age_days > max_age_days:
                                age_days -= max_age_days
                        dob = datetime.date.fromordinal(base_ordinal - age_days)
                        age = age_days // 365
                        g = gender[k]
                        if g < 0.49:
                            sex, given = "M", boys[boy_pick[k]]
                        elif g < 0.98:
                            sex, given = "F", girls[girl_pick[k]]
                        else:
                            sex, given = ("X" if g < 0.985 else "U"), girls[girl_pick[k]]
                        shielded = r[0] < 0.0005
                        c_child.add(
                            f"{child_id}\t{given}\t{family}\t{dob}\t{sex}\t"
                            f"{'t' if shielded else 'f'}\t"
                            f"{'2027-05-01' if shielded else chr(92) + 'N'}\t{NOW}\t{NOW}\tf\n"
                        )
                        gn, gk = self.forms(given)
                        fn, fk = self.forms(family)
                        name_id += 1
                        c_name.add(
                            f"{name_id}\t{child_id}\tcurrent\t{given}\t{family}\t{gn}\t{fn}\t"
                            f"{gk}\t{fk}\t\\N\t{dob}\n"
                        )
                        if r[1] < 0.08:  # a former family name
                            former = families[int(r[2] * 997 * len(families)) % len(families)]
                            fon, fok = self.forms(former)
                            name_id += 1
                            c_name.add(
                                f"{name_id}\t{child_id}\tformer\t{given}\t{former}\t{gn}\t{fon}"
                                f"\t{gk}\t{fok}\t{dob + datetime.timedelta(days=age_days // 2)}\t{dob}\n"
                            )
                        elif r[1] > 0.97:  # known as: a short form of the given name
                            short = given[:3] if len(given) > 4 else given + "ie"
                            sn, sk = self.forms(short)
                            name_id += 1
                            c_name.add(
                                f"{name_id}\t{child_id}\talias\t{short}\t{family}\t{sn}\t{fn}\t"
                                f"{sk}\t{fk}\t\\N\t{dob}\n"
                            )
                        address_id += 1
                        c_address.add(
                            f"{address_id}\t{child_id}\tcurrent\t{line_1}\t\t{town}\t{postcode}"
                            f"\t{district}\t{dob}\n"
                        )
                        carer_id += 1
                        c_carer.add(
                            f"{carer_id}\t{child_id}\t{mother_name}\tMother\tt\t{mobile}\t\n"
                        )
                        if two_carers[i]:
                            carer_id += 1
                            c_carer.add(
                                f"{carer_id}\t{child_id}\t{adult_men[father[i]]} {family}\t"
                                f"Father\tt\t07{phone[i] // 3 + 100000000}\t\n"
                            )
                        for service, practitioner, role, start, end, sensitive in self.involvements(
                            dist[i], area, age, dob, r
                        ):
                            involvement_id += 1
                            basis = (
                                f"consent\t{given} {family}\t{start}\tRecorded at first appointment"
                                if sensitive
                                else "\t\t\\N\t"
                            )
                            c_inv.add(
                                f"{involvement_id}\t{child_id}\t{service}\t{practitioner}\t{role}"
                                f"\t{start}\t{end}\t{'t' if sensitive else 'f'}\t{basis}\t\t\t{NOW}\n"
                            )
                        k += 1
                if child_id % 1_000_000 < CHUNK * 2:
                    print(f"  generated {min(child_id, self.children):,} children", flush=True)
            for copy in (c_child, c_name, c_address, c_carer, c_inv):
                copy.flush()
        self.steps["copy_s"] = time.perf_counter() - started
        started = time.perf_counter()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute("ALTER TABLE involvements_involvement ALTER COLUMN public_id DROP DEFAULT")
            conn.execute("ALTER TABLE records_child ALTER COLUMN public_id DROP DEFAULT")
            for table in BULK_TABLES + REFERENCE_TABLES:
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            _restore_secondary(conn, saved)
            self.steps["indexes_and_constraints_s"] = time.perf_counter() - started
            started = time.perf_counter()
            conn.execute("VACUUM (ANALYZE)")
            self.steps["vacuum_analyze_s"] = time.perf_counter() - started
        return {
            "households": households,
            "involvements": involvement_id,
            "names": name_id,
            "services": self.service_count,
            "steps": self.steps,
        }

    def involvements(self, district: int, area: int, age: int, dob, r):
        """(service, practitioner, role, start, end, sensitive) for one child."""
        here = self.district_services[district]
        there = self.area_services[area]
        today = self.today
        pick = int(r[3] * 1_000_003)
        out = []
        gp = here["gp"][pick % len(here["gp"])]
        out.append((gp, "\\N", "Registered GP practice", dob, "\\N", False))
        if r[4] < 0.35:  # moved GP practice once
            other = self.district_services[(district + 1) % len(self.district_services)]["gp"][0]
            out.append((other, "\\N", "Registered GP practice", dob, dob, False))
        if age < 5:
            hv = here["health_visiting"][0]
            out.append(
                (hv, self.practitioners_of[hv][pick % 4], "Health visitor", dob, "\\N", False)
            )
            if age >= 2 and r[5] < 0.5:
                nursery = here["nursery"][0]
                out.append((nursery, "\\N", "Nursery place", today.replace(day=1), "\\N", False))
        else:
            school = here["school"][pick % len(here["school"])]
            start = dob.replace(year=dob.year + 4, day=1)
            out.append((school, "\\N", "Pupil on roll", start, "\\N", False))
            if r[5] < 0.3:  # a previous school
                previous = here["school"][(pick + 1) % len(here["school"])]
                out.append((previous, "\\N", "Former pupil", start, start, False))
        extras = [
            ("school_nursing", 0.06, 5, "School nurse", False),
            ("social_care", 0.03, 0, "Social worker", False),
            ("youth", 0.04, 11, "Youth worker", False),
            ("voluntary", 0.04, 0, "Family support worker", False),
            ("police", 0.008, 10, "Police protection officer", False),
            ("mental_health", 0.025, 8, "CAMHS practitioner", True),
            ("sexual_health", 0.01, 13, "Sexual health nurse", True),
            ("substance_misuse", 0.003, 12, "Substance misuse worker", True),
        ]
        many = r[6] < 0.001  # known to many agencies
        for index, (kind, chance, min_age, role, sensitive) in enumerate(extras):
            if age < min_age:
                continue
            if many or r[7 + index % 4] < chance * (1 + index % 3) / 2:
                services = there[kind]
                service = services[pick % len(services)]
                staff = self.practitioners_of[service]
                started = max(dob, today.replace(year=today.year - 1, day=1))
                out.append((service, staff[pick % len(staff)], role, started, "\\N", sensitive))
                if many:  # and earlier episodes with the same service
                    earlier = max(dob, today.replace(year=today.year - 3, day=1))
                    out.append(
                        (service, staff[(pick + 1) % len(staff)], role, earlier, earlier, sensitive)
                    )
        return out


def _uuid(rng) -> str:
    import uuid

    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _drop_secondary(conn, tables: list[str]) -> list[str]:
    """Drop the indexes and constraints (other than primary keys) of ``tables``; return the
    statements that recreate them, constraints after indexes."""
    names = ", ".join(f"'{t}'" for t in tables)
    constraints = conn.execute(
        f"""SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint WHERE conrelid::regclass::text IN ({names})
            AND contype IN ('f', 'u', 'c')"""
    ).fetchall()
    indexes = conn.execute(
        f"""SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ({names})
            AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"""
    ).fetchall()
    restore = [definition for _, definition in indexes]
    restore += [f'ALTER TABLE {t} ADD CONSTRAINT "{c}" {d}' for t, c, d in constraints]
    for table, name, _ in constraints:
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        conn.execute(f'DROP INDEX IF EXISTS "{name}"')
    return restore


def _restore_secondary(conn, statements: list[str]) -> None:
    conn.execute("SET maintenance_work_mem = '2GB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    for statement in statements:
        began = time.perf_counter()
        conn.execute(statement)
        print(f"  {time.perf_counter() - began:6.1f} s  {statement[:90]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="reload even if unchanged")
    args = parser.parse_args()
    print(ensure_population(args.children, args.seed, args.force))


if __name__ == "__main__":
    main()
