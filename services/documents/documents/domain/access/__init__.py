"""The DMP access decision: pure, explicit inputs, deny unless a rule allows (DESIGN.md, DOMAIN.md §1-§3).

Imports neither grpc nor sqlalchemy and does no I/O: the matrix is parsed from text and passed in.
"""
from documents.domain.access.decide import (ALLOWING_RULES, DENYING_RULES, RULES, add_one_month, decide,
                                            embargo_lifted_at)
from documents.domain.access.masking import initial_masked
from documents.domain.access.matrix import Matrix, MatrixError, parse_matrix
from documents.domain.access.model import (Actor, ActorType, AuthorType, Decision, DelegationType,
                                           DocumentAttrs, Mode, PatientSettings)

__all__ = ["ALLOWING_RULES", "DENYING_RULES", "RULES", "Actor", "ActorType", "AuthorType", "Decision",
           "DelegationType", "DocumentAttrs", "Matrix", "MatrixError", "Mode", "PatientSettings",
           "add_one_month", "decide", "embargo_lifted_at", "initial_masked", "parse_matrix"]
