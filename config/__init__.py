"""Default YAML configuration shipped with searchidx (installed as ``searchidx.defaults``)."""
