#!/usr/bin/env python3
"""Writes the frozen AgentsNet graphs of Workflows/graphs/ (run once; the files are committed).

Graph families as AgentsNet defines them: small-world (connected Watts-Strogatz, k=4, p=0.4), scale-free
(Barabasi-Albert, m=2) and Delaunay triangulations of uniform random points, each with 4, 8 and 16 nodes,
seeded so the files can be made again. Needs networkx and scipy (pip install networkx scipy).
"""
import json
import os
import sys

import networkx as nx
import numpy as np
from scipy.spatial import Delaunay

NAMES = [
    "Ada", "Bruno", "Chiara", "Dmitri", "Eun-ji", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaveh", "Lena",
    "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomasz", "Uma", "Viktor", "Wen", "Yara",
]


def small_world(n, seed):
    return nx.connected_watts_strogatz_graph(n, 4, 0.4, seed=seed)


def scale_free(n, seed):
    return nx.barabasi_albert_graph(n, 2, seed=seed)


def delaunay(n, seed):
    points = np.random.default_rng(seed).random((n, 2))
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for simplex in Delaunay(points).simplices:
        for i in range(3):
            graph.add_edge(int(simplex[i]), int(simplex[(i + 1) % 3]))
    return graph


FAMILIES = {
    "small-world": (small_world, {"generator": "connected Watts-Strogatz", "k": 4, "p": 0.4}),
    "scale-free": (scale_free, {"generator": "Barabasi-Albert", "m": 2}),
    "delaunay": (delaunay, {"generator": "Delaunay triangulation of uniform random points in the unit square"}),
}


def main(directory):
    os.makedirs(directory, exist_ok=True)
    for family, (make, parameters) in FAMILIES.items():
        for n in (4, 8, 16):
            seed = 1000 + n
            graph = make(n, seed)
            assert nx.is_connected(graph), (family, n)
            edges = sorted([sorted((int(u), int(v))) for u, v in graph.edges()])
            document = {
                "name": f"{family}-{n}",
                "family": family,
                "parameters": parameters,
                "seed": seed,
                "agents": NAMES[:n],
                "edges": edges,
                "diameter": nx.diameter(graph),
                "maxDegree": max(dict(graph.degree()).values()),
            }
            path = os.path.join(directory, f"{family}-{n}.json")
            with open(path, "w") as handle:
                json.dump(document, handle, indent=None, separators=(", ", ": "))
                handle.write("\n")
            print(path, len(edges), "edges, diameter", document["diameter"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Workflows/graphs")
