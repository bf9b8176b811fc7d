"""Small, comparable summaries of arrays: what a report keeps instead of the arrays themselves.

A weight tensor is summarised by its sum and L2 norm (for "how far apart", across
environments) and by a hash of its exact bytes (for "bitwise identical", the strongest
statement a comparison can make). The hash is taken over little-endian bytes in C order of
the array's own dtype, so it means the same on every machine.
"""

import hashlib
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np


def content_hash(array: Any) -> str:
    """SHA-256 of the array's exact values (dtype and shape included), first 16 hex digits."""
    array = np.ascontiguousarray(array)
    canonical = array.astype(array.dtype.newbyteorder("<"), copy=False)
    digest = hashlib.sha256()
    digest.update("{}|{}|".format(canonical.dtype.str, canonical.shape).encode("ascii"))
    digest.update(canonical.tobytes())
    return digest.hexdigest()[:16]


def array_fingerprint(array: Any) -> Dict[str, Any]:
    values = np.asarray(array)
    as_float = values.astype(np.float64)
    return {
        "shape": list(values.shape),
        "dtype": str(values.dtype),
        "sum": float(as_float.sum()),
        "l2": float(np.sqrt((as_float * as_float).sum())),
        "hash": content_hash(values),
    }


def weights_fingerprint(named_weights: Sequence[Tuple[str, Any]]) -> List[Dict[str, Any]]:
    """One fingerprint per weight, in the model's order, each carrying its name."""
    fingerprints = []
    for name, value in named_weights:
        entry = {"name": name}
        entry.update(array_fingerprint(value))
        fingerprints.append(entry)
    return fingerprints


def weights_digest(named_weights: Sequence[Tuple[str, Any]]) -> str:
    """One hash of every weight's exact values, in order: equal only for bitwise-equal weights."""
    return hashlib.sha256("|".join(content_hash(value) for _, value in named_weights).encode("ascii")).hexdigest()[:16]


def data_fingerprint(data: Dict[str, Any]) -> Dict[str, Any]:
    """Fingerprints of a case's data arrays, so a comparison can prove the inputs were equal.

    Several inputs or outputs (a list or dict of arrays) are fingerprinted one by one, as ``x[0]``
    or ``x.age``."""
    found = {}  # type: Dict[str, Any]
    for key, value in sorted(data.items()):
        parts = enumerate(value) if isinstance(value, (list, tuple)) else (
            sorted(value.items()) if isinstance(value, dict) else None)
        if parts is None:
            if hasattr(value, "shape"):
                found[key] = array_fingerprint(value)
            continue
        for part, array in parts:
            if hasattr(array, "shape"):
                found["{}[{}]".format(key, part) if isinstance(part, int) else "{}.{}".format(key, part)] = \
                    array_fingerprint(array)
    return found
