"""Tables of the administrative geography: district → sub-district → community."""

from piccolo.columns import Integer, Serial, Varchar
from piccolo.constraints import Check
from piccolo.table import Table

from procure.db.columns import parent


class District(Table, tablename="district"):
    id: Serial  # the primary key Piccolo adds
    code = Varchar(length=12, unique=True, null=False)
    name = Varchar(length=100, null=False)


class SubDistrict(Table, tablename="sub_district"):
    id: Serial  # the primary key Piccolo adds
    district = parent(District)
    code = Varchar(length=12, unique=True, null=False)
    name = Varchar(length=100, null=False)


class Community(Table, tablename="community"):
    id: Serial  # the primary key Piccolo adds
    sub_district = parent(SubDistrict)
    code = Varchar(length=16, unique=True, null=False)
    name = Varchar(length=100, null=False)
    committee_name = Varchar(length=120, null=False)
    population = Integer(null=False, default=0)
    households = Integer(null=False, default=0)

    community_counts_not_negative = Check("population >= 0 AND households >= 0")
