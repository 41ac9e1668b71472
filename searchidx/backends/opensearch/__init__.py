"""searchidx on an OpenSearch cluster: the client, the index template and documents,
bulk indexing and the manifest of source files kept in the cluster.

Imported only by code that uses the cluster (``--backend opensearch``): a cold
``searchidx query`` on the embedded Whoosh index never loads it or urllib3.
"""
