"""Input and output: documents from files, folders, uploads, links and feeds.

- :mod:`factcheck.io.readers`: .txt .md .html .pdf .jsonl .csv files, folders and stdin, with a
  clear per-file error; :mod:`factcheck.io.uploads`: the same for browser uploads (safe names, caps).
- :mod:`factcheck.io.fetch`: HTTP(S) fetching with an SSRF guard (no private addresses, checked
  on every redirect hop and pinned against DNS rebinding), size cap and timeouts; a web page, PDF
  or text file turned into a :class:`~factcheck.io.readers.Document`; robots.txt checks.
- :mod:`factcheck.io.feeds`: RSS/Atom polling with conditional requests and de-duplication help.

Nothing here touches the database, the model or the indexes.
"""
