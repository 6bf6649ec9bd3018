"""The input/output layer: getting documents and feeds from the outside world.

Modules here import only :mod:`factcheck.errors`, :mod:`factcheck.config`, :mod:`factcheck.models`,
:mod:`factcheck.ingest` and third-party libraries; the database, workspace, CLI and app build on
them, never the other way round.

- :mod:`factcheck.io.fetch`: HTTP(S) fetching with an SSRF guard (no private addresses, checked
  on every redirect hop and pinned against DNS rebinding), size cap and timeouts; a web page, PDF
  or text file turned into a :class:`~factcheck.ingest.Document`; robots.txt checks.
- :mod:`factcheck.io.feeds`: RSS/Atom polling with conditional requests and de-duplication help.
"""
