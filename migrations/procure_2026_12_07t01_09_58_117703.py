from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import JSON
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.constraints import Check
from piccolo.constraints import Unique
from piccolo.table import Table


class Bid(Table, tablename="bid", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class CommitteeMember(Table, tablename="evaluation_member", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class EvaluationCommittee(Table, tablename="evaluation_committee", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class Expert(Table, tablename="expert", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class Organization(Table, tablename="organization", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class Tender(Table, tablename="tender", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class User(Table, tablename="app_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-07T01:09:58:117703"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="procure", description=DESCRIPTION
    )

    manager.add_table(
        class_name="CommitteeMember",
        tablename="evaluation_member",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="MemberVote",
        tablename="evaluation_vote",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="committee",
        db_column_name="committee",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": EvaluationCommittee,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="kind",
        db_column_name="kind",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "expert",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "MemberKind",
                {
                    "expert": "expert",
                    "buyer_representative": "buyer_representative",
                },
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="expert",
        db_column_name="expert",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Expert,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="user",
        db_column_name="user",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="position",
        db_column_name="position",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="status",
        db_column_name="status",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "alternate",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "MemberStatus",
                {
                    "alternate": "alternate",
                    "drawn": "drawn",
                    "seated": "seated",
                    "replaced": "replaced",
                    "confirmed": "confirmed",
                },
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="declared_at",
        db_column_name="declared_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="confirmed_at",
        db_column_name="confirmed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="replaced_reason",
        db_column_name="replaced_reason",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        column_name="replaced_by",
        db_column_name="replaced_by",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="tender",
        db_column_name="tender",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Tender,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="status",
        db_column_name="status",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "planned",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "CommitteeStatus",
                {
                    "planned": "planned",
                    "drawn": "drawn",
                    "seated": "seated",
                    "reported": "reported",
                },
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="size",
        db_column_name="size",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="category",
        db_column_name="category",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "approval",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "CategoryCode",
                {
                    "approval": "approval",
                    "care": "care",
                    "mutual_aid": "mutual_aid",
                    "capacity": "capacity",
                    "technology": "technology",
                },
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="seed",
        db_column_name="seed",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="candidates",
        db_column_name="candidates",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="excluded",
        db_column_name="excluded",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="supplements",
        db_column_name="supplements",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="drawn_by",
        db_column_name="drawn_by",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="drawn_at",
        db_column_name="drawn_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="seated_at",
        db_column_name="seated_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="reported_at",
        db_column_name="reported_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="ranking",
        db_column_name="ranking",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        column_name="member",
        db_column_name="member",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": CommitteeMember,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        column_name="bid",
        db_column_name="bid",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Bid,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        column_name="question",
        db_column_name="question",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
            "default": "explanation",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": Enum(
                "VoteQuestion",
                {"explanation": "explanation", "compliance": "compliance"},
            ),
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        column_name="in_favour",
        db_column_name="in_favour",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        column_name="reason",
        db_column_name="reason",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        column_name="voted_at",
        db_column_name="voted_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        column_name="member",
        db_column_name="member",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": CommitteeMember,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        column_name="organization",
        db_column_name="organization",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Organization,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        column_name="conflict",
        db_column_name="conflict",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        column_name="note",
        db_column_name="note",
        column_class_name="Text",
        column_class=Text,
        params={
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        column_name="declared_at",
        db_column_name="declared_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        constraint_name="evaluation_member_unique_user",
        constraint_class=Unique,
        params={"columns": ["committee", "user"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        constraint_name="evaluation_member_unique_position",
        constraint_class=Unique,
        params={"columns": ["committee", "position"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        constraint_name="evaluation_member_kind_valid",
        constraint_class=Check,
        params={"condition": "kind IN ('expert', 'buyer_representative')"},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        constraint_name="evaluation_member_status_valid",
        constraint_class=Check,
        params={
            "condition": "status IN ('alternate', 'drawn', 'seated', 'replaced', 'confirmed')"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="CommitteeMember",
        tablename="evaluation_member",
        constraint_name="evaluation_member_expert_drawn",
        constraint_class=Check,
        params={
            "condition": "(kind = 'expert' AND expert IS NOT NULL) OR (kind <> 'expert' AND expert IS NULL)"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        constraint_name="evaluation_committee_one_per_tender",
        constraint_class=Unique,
        params={"columns": ["tender"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        constraint_name="evaluation_committee_status_valid",
        constraint_class=Check,
        params={
            "condition": "status IN ('planned', 'drawn', 'seated', 'reported')"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        constraint_name="evaluation_committee_category_valid",
        constraint_class=Check,
        params={
            "condition": "category IN ('approval', 'care', 'mutual_aid', 'capacity', 'technology')"
        },
        schema=None,
    )

    manager.add_constraint(
        table_class_name="EvaluationCommittee",
        tablename="evaluation_committee",
        constraint_name="evaluation_committee_odd_size",
        constraint_class=Check,
        params={"condition": "size >= 3 AND size % 2 = 1"},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        constraint_name="evaluation_vote_once",
        constraint_class=Unique,
        params={"columns": ["member", "bid", "question"], "nulls_distinct": True},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="MemberVote",
        tablename="evaluation_vote",
        constraint_name="evaluation_vote_question_valid",
        constraint_class=Check,
        params={"condition": "question IN ('explanation', 'compliance')"},
        schema=None,
    )

    manager.add_constraint(
        table_class_name="MemberDeclaration",
        tablename="evaluation_declaration",
        constraint_name="evaluation_declaration_unique",
        constraint_class=Unique,
        params={"columns": ["member", "organization"], "nulls_distinct": True},
        schema=None,
    )

    return manager
