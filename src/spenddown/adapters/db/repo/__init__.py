"""The SQL repository's statements, one module per aggregate: ``ledger``, ``members`` (members
and eligibility), ``claims`` and ``access``; ``base`` holds what they share. ``SqlRepository``
(adapters/db/repository.py) is composed from them."""
