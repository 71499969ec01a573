"""The hand-off bundle: a county's ledger carried to the prefecture on a stick. Imports the models,
never textual, rich or typer.

- :mod:`.format` — what a bundle holds: the tables and fields that travel (:data:`~.format.TABLES`),
  what stays home and why, the manifest, the format version, :class:`~.format.BundleError`.
- :mod:`.write` — ``export bundle``: :func:`~.write.write_bundle`, with :mod:`.members` (the JSON Lines
  members from one snapshot), :mod:`.deflate` (ISA-L where installed) and :mod:`.readback` (the
  read-back from the stick itself).
- :mod:`.read` — opening a bundle from outside, bounded at every step: :func:`~.read.open_bundle`.
- :mod:`.verify` — ``verify``: structure, sizes, hashes, signature, trust and replay.
- :mod:`.merge` — ``import`` at the prefecture: :func:`~.merge.import_bundle`, :func:`~.merge.import_bundles`;
  with :mod:`.admit` (whether this ledger takes the bundle), :mod:`.parse` and :mod:`.checks` (every
  line and field), :mod:`.readahead` (the next bundle read in a child process) and :mod:`.merger`
  (the writes, by uid).
- :mod:`.keys` — Ed25519 signing, the trust store, sealed boxes; :mod:`.history` — the bundles written.
"""
