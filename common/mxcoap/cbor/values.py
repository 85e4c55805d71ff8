"""CBOR values without a plain Python type, the error tree and the decoder's limits."""

from mxcoap.compat import const

# Limits on hostile input (RFC 8949 §10: a decoder must bound the resources it spends).
MAX_DEPTH = const(32)  # arrays, maps and tags nested inside each other
MAX_ITEMS = const(131072)  # data items in one document (each costs a Python object)
MAX_SIZE = const(1048576)  # bytes of input to loads(), so also the longest string


class CBORError(ValueError):
    """Base of every error raised by mxcoap.cbor."""


class CBOREncodeError(CBORError):
    """dumps() was given something it cannot represent."""


class CBORDecodeError(CBORError):
    """loads() was given bytes that are not one well-formed, acceptable CBOR item."""

    def __init__(self, message, offset=None):
        if offset is not None:
            message = message + " at offset " + str(offset)
        super().__init__(message)
        self.offset = offset


class Tag:
    """A tagged data item (RFC 8949 §3.4) whose tag number mxcoap does not interpret."""

    def __init__(self, tag, value):
        if not isinstance(tag, int) or isinstance(tag, bool) or tag < 0 or tag >> 64:
            raise ValueError("tag number must be an int in 0..2**64-1")
        self.tag = tag
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Tag) and self.tag == other.tag and self.value == other.value

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((Tag, self.tag, self.value))

    def __repr__(self):
        return "Tag(" + str(self.tag) + ", " + repr(self.value) + ")"


class Simple:
    """An unassigned simple value (RFC 8949 §3.3): 0..19 or 32..255."""

    def __init__(self, value):
        # 20..23 are false/true/null/undefined, 24..31 are reserved (§3.3).
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not (0 <= value <= 19 or 32 <= value <= 255)
        ):
            raise ValueError("simple value must be 0..19 or 32..255")
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Simple) and self.value == other.value

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((Simple, self.value))

    def __repr__(self):
        return "Simple(" + str(self.value) + ")"


class _Undefined:
    """The simple value `undefined` (0xf7); use the UNDEFINED singleton."""

    def __repr__(self):
        return "UNDEFINED"

    def __bool__(self):
        return False


UNDEFINED = _Undefined()
