"""Networks for Gephi: who replies to / mentions whom, and which hashtags go together (GEXF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import networkx as nx

from antena.analytics.base import rows
from antena.store.queries import Store
from antena.textsafe import display_text


def interaction_graph(con: duckdb.DuckDBPyConnection, scope: str, params: list[Any] | None = None) -> nx.DiGraph:
    """Directed graph of pseudonymous authors: replies/quotes/reposts to parents' authors, and
    mentions (``export_network`` keeps the targets' public handles and pseudonymises the others
    unless ``keep_handles``)."""
    graph = nx.DiGraph()
    for r in rows(con, f"""
        SELECT s.author_id AS source, p.author_id AS target, s.kind AS kind, count(*) AS weight
        FROM ({scope}) s JOIN posts p ON p.post_id = s.parent_id
        WHERE s.author_id IS NOT NULL AND p.author_id IS NOT NULL GROUP BY 1, 2, 3""", params):  # noqa: S608
        _add_edge(graph, r["source"], r["target"], r["weight"], r["kind"])
    for r in rows(con, f"""
        SELECT author_id AS source, '@' || m AS target, count(*) AS weight
        FROM ({scope}) s, unnest(s.mentions) AS u(m) WHERE author_id IS NOT NULL GROUP BY 1, 2""", params):  # noqa: S608
        _add_edge(graph, r["source"], r["target"], r["weight"], "mention")
    return graph


def hashtag_graph(con: duckdb.DuckDBPyConnection, scope: str, params: list[Any] | None = None) -> nx.Graph:
    graph = nx.Graph()
    for r in rows(con, f"""
        WITH t AS (SELECT post_id, unnest(list_distinct(hashtags)) AS tag FROM ({scope}) s)
        SELECT a.tag AS source, b.tag AS target, count(*) AS weight
        FROM t a JOIN t b ON a.post_id = b.post_id AND a.tag < b.tag GROUP BY 1, 2""", params):  # noqa: S608
        graph.add_edge("#" + r["source"], "#" + r["target"], weight=int(r["weight"]))
    return graph


def _add_edge(graph: nx.DiGraph, source: str, target: str, weight: int, kind: str) -> None:
    if graph.has_edge(source, target):
        graph[source][target]["weight"] += int(weight)
    else:
        graph.add_edge(source, target, weight=int(weight), kind=kind)


def write_gexf(graph: nx.Graph, path: Path) -> dict[str, Any]:
    """Write GEXF; node names and attributes pass ``display_text`` first (control characters
    are not allowed in XML 1.0: one in a hashtag made the whole file unreadable)."""
    names = {node: display_text(str(node)) for node in graph.nodes}
    graph = nx.relabel_nodes(graph, names, copy=True)
    for _, _, data in graph.edges(data=True):
        for key, value in list(data.items()):
            if isinstance(value, str):
                data[key] = display_text(value)
    nx.write_gexf(graph, path)
    return {"path": str(path), "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}


def export_network(store: Store, path: Path, graph: str = "interactions", query: str | None = None,
                   relevant: bool = False, in_scope: bool = False) -> dict[str, Any]:
    """Write the interaction or co-hashtag network of the matching posts as GEXF (Gephi)."""
    selection = store.select(query, relevant=relevant, in_scope=in_scope)
    scope = f"SELECT * FROM {selection.source} WHERE {selection.condition}"  # noqa: S608 - compiled condition
    params = selection.params
    if graph == "hashtags":
        built: nx.Graph = hashtag_graph(store.con, scope, params)
    else:
        from antena.protect.identity import PublicIds

        ids = PublicIds.for_project(store)
        built = interaction_graph(store.con, scope, params)
        built = nx.relabel_nodes(built, {n: ids.mention(n) for n in built.nodes if str(n).startswith("@")}, copy=True)
    return {**write_gexf(built, path), "format": "gexf", "graph": graph, "rows": built.number_of_edges()}
