"""Offline check of the `historique/` files of an export (audit.domain.history_export), with no
access to the log: the head's signature against the included keys (or keys pinned by the person
checking), and for every record its fields against its leaf hash, its personal data against their
commitment, and its inclusion proof against the signed root. Stops at the first problem and names it."""
from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from audit.domain import history_export as files
from audit.domain import merkle
from audit.domain.heads import tree_head_message
from audit.domain.models import TreeHead


@dataclass
class ExportReport:
    ok: bool = True
    problem: str = ""
    record_id: str = ""
    records: int = 0
    erased: int = 0
    tree_size: int = 0

    def fail(self, problem: str, record_id: str = "") -> ExportReport:
        self.ok, self.problem, self.record_id = False, problem, record_id
        return self

    def line(self) -> str:
        if not self.ok:
            where = f"record {self.record_id}: " if self.record_id else ""
            return f"export history verification FAILED: {where}{self.problem}"
        return (f"export history verified: {self.records} records ({self.erased} with personal data erased), "
                f"each included in the signed tree head of size {self.tree_size}")


def check(read: Callable[[str], bytes | None], verify_signature: Callable[[TreeHead, bytes], bool]) -> ExportReport:
    """`read(path)`: a file of the archive, None when absent; `verify_signature` with the keys trusted."""
    report = ExportReport()
    try:
        loaded = {path: read(path) for path in (files.RECORDS, files.PROOFS, files.HEAD)}
        missing = [path for path, data in loaded.items() if data is None]
        if missing:
            return report.fail(f"missing file(s): {', '.join(missing)}")
        records, proofs_listed, head_item = (json.loads(loaded[path] or b"") for path in
                                             (files.RECORDS, files.PROOFS, files.HEAD))
        proofs = {p["record_id"]: p for p in proofs_listed}
        head = files.head_of(head_item)
    except (ValueError, KeyError, TypeError) as exc:
        return report.fail(f"malformed file ({type(exc).__name__}: {exc})")
    if not verify_signature(head, tree_head_message(head.timestamp_ms, head.tree_size, head.root_hash)):
        return report.fail(f"the signed tree head has an invalid signature or an unknown key ({head.key_id})")
    report.tree_size = head.tree_size
    for item in records:
        record_id = str(item.get("record_id", ""))
        problem = _check_record(item, proofs.pop(record_id, None), head)
        if problem:
            return report.fail(problem, record_id)
        report.records += 1
        report.erased += item["personal"] is None
    if proofs:
        return report.fail(f"proofs of records not in the history: {', '.join(sorted(proofs))}")
    return report


def _check_record(item: Mapping, proof: Mapping | None, head: TreeHead) -> str:
    try:
        computed = merkle.leaf_hash(files.leaf_input_of(item))
        if not hmac.compare_digest(computed, bytes.fromhex(item["leaf_hash"])):
            return "its fields do not match its leaf hash (the record was altered)"
        commitment = files.commitment_of(item)
        if commitment is not None and not hmac.compare_digest(commitment, bytes.fromhex(item["personal_commitment"])):
            return "its personal data do not match the commitment in its leaf (they were altered)"
        if proof is None:
            return "it has no inclusion proof"
        if int(proof["leaf_index"]) != int(item["leaf_index"]) or int(proof["tree_size"]) != head.tree_size:
            return "its inclusion proof is for another leaf or another tree"
        root = merkle.root_from_inclusion(int(item["leaf_index"]), head.tree_size, computed,
                                          [bytes.fromhex(h) for h in proof["audit_path"]])
    except (ValueError, KeyError, TypeError) as exc:
        return f"malformed record or proof ({type(exc).__name__}: {exc})"
    if not hmac.compare_digest(root, head.root_hash):
        return "its inclusion proof does not lead to the signed root (it is not in the log)"
    return ""
