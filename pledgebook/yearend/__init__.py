"""Year end: the rollover (preview, close, carry forward, archive) and reopening a closed year."""
