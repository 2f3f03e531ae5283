"""``jupyter mlops serve``: a registered model (or a package folder) over HTTP.

Composes ``registry`` (loading with checksum verification), ``store`` (aliases, the
prediction log) and tornado; knows nothing of the Jupyter server or the kernel extension.
``app`` has the handlers, ``inputs`` the request formats and validation, ``model`` what is
served, ``predlog`` the sampled prediction log, ``run`` the process.
"""
