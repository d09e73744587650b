"""X12 5010 for provider software and clearinghouses (docs/x12.md).

One module per implementation guide, as the guides are organised:

- ``envelope``: segments (x12sdk's streaming ``X12SegmentReader``), ISA/GS/ST control structure
- ``x279a1``: 270 eligibility inquiry (read) → 271 response (x12sdk models)
- ``x222a1``: 837P professional claim with the other payers' adjudication (read)
- ``x221a1``: 835 claim payment/advice (x12sdk models)
- ``acknowledgments``: TA1 and 999 (005010X231A1)
- ``mapping``: the one wire ↔ domain mapping (which element carries which domain value)
- ``codes``: the X12 code lists used, as Enums
- ``exchange``: answer one interchange with the use cases (API and CLI)

Wire names (loops, elements, qualifiers) stay inside this package.
"""
