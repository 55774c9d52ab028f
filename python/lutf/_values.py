"""What may cross nodes: YAML data only."""

from ._errors import SerializationError


def to_wire(value, where="value"):
    """``value`` checked (and tuples turned into lists) for the wire.

    Raises SerializationError naming the offending type and where it sits (``args[0]['x']``).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [to_wire(v, "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise SerializationError(
                    "%s has a key %r of type '%s': keys of maps that cross nodes must be strings"
                    % (where, k, type(k).__name__)
                )
            out[k] = to_wire(v, "%s[%r]" % (where, k))
        return out
    raise SerializationError(
        "%s of type '%s' cannot cross nodes: only maps, lists, strings, numbers, booleans and None can"
        % (where, type(value).__name__)
    )
