"""Tables of OCDS contracting processes: the original JSON as published, and normalized rows.

A process belongs to a dataset: the name `procure ocds import` was given ("external" by
default), a temporary name for `procure ocds indicators`, "platform" for the platform's own
processes. Imported processes are read-only: an import replaces a process of the same dataset
and ocid as a whole, and nothing else writes these tables. The normalized columns hold only
what the rules over OCDS data use; a value the rules cannot use (a date without a time zone, an
amount that is not a number, an id that is not a string) is NULL there and stays, as published,
in ``compiled_release``.
"""

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, Numeric, Serial, Text, Varchar
from piccolo.columns.base import OnDelete
from piccolo.constraints import Unique
from piccolo.table import Table

from procure.db.columns import created_at, optional_time, parent


def optional_text() -> Text:
    return Text(null=True, default=None)


class OcdsProcess(Table, tablename="ocds_process"):
    """One contracting process (ocid) of a dataset: its compiled release and its releases."""

    id: Serial  # the primary key Piccolo adds

    dataset = Varchar(length=40, null=False)
    ocid = Text(null=False)
    source = Text(null=False, default="")  # the file it came from
    imported_at = created_at()
    # As published: the compiled release, and the releases (or the record's releases) it came
    # from, in the order read.
    compiled_release = JSON(null=False, default="{}")
    releases = JSON(null=False, default="[]")
    # The platform's projection: sha256 of the releases it was built from, so a refresh rewrites
    # only the processes whose releases changed ("" for imported processes).
    content_hash = Varchar(length=64, null=False, default="")
    # Normalized: NULL where the published value is missing or unusable.
    buyer_id = optional_text()  # /buyer/id
    procuring_entity_id = optional_text()  # /tender/procuringEntity/id
    tender_status = optional_text()
    procurement_method = optional_text()
    procurement_method_details = optional_text()
    tender_period_start = optional_time()  # RFC 3339 only, as cardinal reads dates
    tender_period_end = optional_time()
    # The deadline as published (a string): cardinal compares bid dates with it as text.
    tender_period_end_text = optional_text()
    number_of_tenderers = BigInt(null=True, default=None)  # a JSON integer only
    # /tender/value: the estimated value, the ceiling a bid is compared with (UNDERPRICED_BID).
    tender_value_amount = Numeric(null=True, default=None)
    tender_value_currency = optional_text()

    ocds_process_ocid_unique = Unique(["dataset", "ocid"])


class OcdsParty(Table, tablename="ocds_party"):
    """An entry of /parties: its id, roles, normalized address and contact point."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    position = Integer(null=False)
    party_id = optional_text()
    name = optional_text()
    roles = JSON(null=False, default="[]")  # the roles that are strings
    # street, locality, region, postal code and country, trimmed, lower-cased and joined; NULL
    # without a streetAddress (cardinal's R044).
    full_address = optional_text()
    contact_name = optional_text()
    contact_email = optional_text()
    contact_telephone = optional_text()
    contact_fax_number = optional_text()
    contact_url = optional_text()


class OcdsBid(Table, tablename="ocds_bid"):
    """An entry of /bids/details."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    position = Integer(null=False)
    bid_id = optional_text()
    status = optional_text()
    amount = Numeric(null=True, default=None)
    currency = optional_text()
    date = optional_time()
    date_text = optional_text()  # as published, when a string


class OcdsBidTenderer(Table, tablename="ocds_bid_tenderer"):
    """An entry of a bid's tenderers (party_id NULL when it has no string id)."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    bid_position = Integer(null=False)
    position = Integer(null=False)
    party_id = optional_text()


class OcdsAward(Table, tablename="ocds_award"):
    """An entry of /awards."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    position = Integer(null=False)
    award_id = optional_text()
    status = optional_text()
    amount = Numeric(null=True, default=None)
    currency = optional_text()
    date = optional_time()


class OcdsAwardSupplier(Table, tablename="ocds_award_supplier"):
    """An entry of an award's suppliers (party_id NULL when it has no string id)."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    award_position = Integer(null=False)
    position = Integer(null=False)
    party_id = optional_text()


class OcdsAwardItem(Table, tablename="ocds_award_item"):
    """An entry of an award's items, with its classification."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    award_position = Integer(null=False)
    position = Integer(null=False)
    classification_scheme = optional_text()
    classification_id = optional_text()


class OcdsContract(Table, tablename="ocds_contract"):
    """An entry of /contracts: its value now (the compiled release's) and at first (its value in
    the earliest release giving one), for AMENDMENT_CREEP."""

    id: Serial  # the primary key Piccolo adds
    process = parent(OcdsProcess, cascade=True)
    position = Integer(null=False)
    contract_id = optional_text()
    award_id = optional_text()  # /contracts/awardID
    status = optional_text()
    amount = Numeric(null=True, default=None)  # /contracts/value, as compiled
    currency = optional_text()
    # The value in the earliest release that gives one; NULL when it is not known (an amended
    # contract no earlier release shows).
    original_amount = Numeric(null=True, default=None)
    original_currency = optional_text()
    date_signed = optional_time()
    amendments = Integer(null=False, default=0)  # how many /contracts/amendments it lists


class OcdsProcessSummary(Table, tablename="ocds_process_summary"):
    """What cardinal's population indicators need of one process, derived from its rows by
    procure.risk.population (never edited: it goes with the process's rows, which are never
    updated in place, and a ``version`` it does not know is computed again)."""

    id: Serial  # the primary key Piccolo adds
    process = ForeignKey(
        references=OcdsProcess, on_delete=OnDelete.cascade, unique=True, null=False
    )
    version = Integer(null=False)
    summary = JSON(null=False, default="{}")


OCDS_CHILD_TABLES: tuple[type[Table], ...] = (
    OcdsParty,
    OcdsBid,
    OcdsBidTenderer,
    OcdsAward,
    OcdsAwardSupplier,
    OcdsAwardItem,
    OcdsContract,
    OcdsProcessSummary,
)
