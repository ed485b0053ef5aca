from .coverage import PoleCoverage
from .photo import PolePhoto
from .pole import KeyFigure, Pole, PoleSource
from .reference import (
    Approval,
    HeadcountBand,
    LegalForm,
    Network,
    PoolingType,
    Recognition,
    Sector,
)
from .search import SearchWord
from .structure import Membership, Structure
from .tally import MemberTally, PoleWithFigures, SharedMember

__all__ = [
    "Approval",
    "HeadcountBand",
    "KeyFigure",
    "LegalForm",
    "MemberTally",
    "Membership",
    "Network",
    "Pole",
    "PoleCoverage",
    "PolePhoto",
    "PoleSource",
    "PoleWithFigures",
    "PoolingType",
    "Recognition",
    "SearchWord",
    "Sector",
    "SharedMember",
    "Structure",
]
