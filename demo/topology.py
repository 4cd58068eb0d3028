"""Static shape of the demo tenant: teams, projects, clusters, pools and namespaces.

Numbers that vary (ids, usage, sizes of PVs) come from the seeded simulation in estate.py;
this module only says *what* exists, so the estate is easy to read and change.
"""

from __future__ import annotations

from .model import Team

TENANT_NAME = "acme-finops-demo"

TEAMS = [
    Team("payments", "CC-1001", "Commerce"),
    Team("checkout", "CC-1002", "Commerce"),
    Team("search", "CC-2001", "Digital"),
    Team("data-eng", "CC-3001", "Data & AI"),
    Team("ml-platform", "CC-3002", "Data & AI"),
    Team("platform", "CC-9001", "Infrastructure"),
]

PROJECTS = ["commerce", "digital", "data-ai"]

# pool: (name, instance type, capacity, size, min, max, commitment, is_system)
# namespace: (name, team, labeled); kube-system and monitoring are added to every cluster.
CLUSTERS = [
    dict(
        name="prod-commerce-use1",
        provider="aws",
        project="commerce",
        region="us-east-1",
        owner="payments",
        pools=[
            ("system", "m5.large", "on-demand", 2, 2, 3, "", True),
            ("workers", "m6i.xlarge", "on-demand", 3, 3, 10, "ri", False),
            ("spot-workers", "m5.xlarge", "spot", 2, 0, 6, "", False),
        ],
        namespaces=[
            ("payments-api", "payments", True),
            ("ledger", "payments", True),
            ("fraud", "payments", False),
        ],
    ),
    dict(
        name="stg-commerce-use1",
        provider="aws",
        project="commerce",
        region="us-east-1",
        owner="checkout",
        pools=[("workers", "m5.xlarge", "on-demand", 2, 2, 4, "sp", False)],
        namespaces=[("checkout-stg", "checkout", True), ("payments-stg", "payments", True)],
    ),
    dict(
        name="prod-search-use1",
        provider="aws",
        project="digital",
        region="us-east-1",
        owner="search",
        pools=[
            ("system", "m5.large", "on-demand", 1, 1, 2, "", True),
            ("workers", "c6i.2xlarge", "on-demand", 3, 3, 20, "", False),
        ],
        namespaces=[("search-api", "search", True), ("indexer", "search", True)],
    ),
    dict(
        name="data-lake-use1",
        provider="aws",
        project="data-ai",
        region="us-east-1",
        owner="data-eng",
        pools=[("workers", "r6i.xlarge", "on-demand", 3, 3, 6, "sp", False)],
        namespaces=[
            ("spark", "data-eng", True),
            ("airflow", "data-eng", True),
            ("ingest", "data-eng", False),
        ],
    ),
    dict(
        name="ml-train-use1",
        provider="aws",
        project="data-ai",
        region="us-east-1",
        owner="ml-platform",
        pools=[
            ("system", "m5.large", "on-demand", 1, 1, 2, "", True),
            ("workers", "m5.xlarge", "on-demand", 2, 1, 4, "", False),
            ("gpu", "g4dn.xlarge", "on-demand", 0, 0, 4, "", False),
        ],
        namespaces=[("training", "ml-platform", True), ("notebooks", "ml-platform", True)],
    ),
    dict(
        name="prod-checkout-eus",
        provider="azure",
        project="commerce",
        region="eastus",
        owner="checkout",
        pools=[
            ("system", "Standard_D4s_v4", "on-demand", 2, 2, 3, "", True),
            ("workers", "Standard_D8s_v4", "on-demand", 3, 3, 8, "ri", False),
            ("spot", "Standard_D4s_v4", "spot", 2, 0, 5, "", False),
        ],
        namespaces=[
            ("checkout-api", "checkout", True),
            ("cart", "checkout", True),
            ("promo", "checkout", False),
        ],
    ),
    dict(
        name="dev-checkout-eus",
        provider="azure",
        project="commerce",
        region="eastus",
        owner="checkout",
        pools=[("workers", "Standard_D4s_v4", "on-demand", 2, 1, 4, "", False)],
        namespaces=[("checkout-dev", "checkout", True)],
    ),
    dict(
        name="prod-search-weu",
        provider="azure",
        project="digital",
        region="westeurope",
        owner="search",
        pools=[("workers", "Standard_D8s_v4", "on-demand", 3, 2, 6, "", False)],
        namespaces=[("search-eu", "search", True), ("ranking", "search", True)],
    ),
    dict(
        name="analytics-weu",
        provider="azure",
        project="data-ai",
        region="westeurope",
        owner="data-eng",
        pools=[("workers", "Standard_E4s_v4", "on-demand", 2, 2, 4, "", False)],
        namespaces=[("bi", "data-eng", True), ("reports", "data-eng", False)],
    ),
    dict(
        name="prod-payments-usc1",
        provider="gcp",
        project="commerce",
        region="us-central1",
        owner="payments",
        pools=[
            ("default", "n2-standard-4", "on-demand", 3, 3, 6, "", False),
            ("spot", "e2-standard-4", "spot", 2, 0, 4, "", False),
        ],
        namespaces=[("payments-gw", "payments", True), ("settlement", "payments", True)],
    ),
    dict(
        name="search-indexer-euw1",
        provider="gcp",
        project="digital",
        region="europe-west1",
        owner="search",
        pools=[("default", "n2-standard-8", "on-demand", 2, 2, 4, "", False)],
        namespaces=[("crawler", "search", True)],
    ),
    dict(
        name="ml-serving-usc1",
        provider="gcp",
        project="data-ai",
        region="us-central1",
        owner="ml-platform",
        pools=[
            ("default", "n2-standard-4", "on-demand", 2, 2, 4, "", False),
            ("gpu-l4", "g2-standard-8", "on-demand", 1, 1, 2, "", False),
        ],
        namespaces=[("inference", "ml-platform", True), ("feature-store", "ml-platform", True)],
    ),
]

# workload templates per application namespace: (suffix, kind, replicas, cpu request, memory GiB, pvc GiB)
WORKLOADS = [
    ("api", "Deployment", 3, 0.5, 1.0, 0),
    ("worker", "Deployment", 2, 1.0, 2.0, 0),
    ("db", "StatefulSet", 1, 0.5, 2.0, 50),
]
SYSTEM_WORKLOADS = {
    "kube-system": [
        ("coredns", "Deployment", 2, 0.1, 0.07, 0),
        ("metrics-server", "Deployment", 1, 0.1, 0.2, 0),
    ],
    "monitoring": [
        ("prometheus", "StatefulSet", 1, 0.5, 2.0, 100),
        ("grafana", "Deployment", 1, 0.25, 0.5, 0),
    ],
}
# (cluster, namespace, workload) whose requests are far above real usage
OVERPROVISIONED = [
    ("prod-commerce-use1", "ledger", "ledger-worker"),
    ("prod-search-use1", "indexer", "indexer-api"),
    ("data-lake-use1", "airflow", "airflow-worker"),
    ("prod-checkout-eus", "cart", "cart-api"),
    ("analytics-weu", "bi", "bi-worker"),
    ("prod-payments-usc1", "settlement", "settlement-api"),
]
# (cluster, namespace, workload) with an HorizontalPodAutoscaler -> max replicas
HPAS = {
    ("prod-search-use1", "search-api", "search-api-api"): 40,
    ("prod-commerce-use1", "payments-api", "payments-api-api"): 10,
    ("prod-checkout-eus", "checkout-api", "checkout-api-api"): 12,
}
