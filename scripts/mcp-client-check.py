#!/usr/bin/env python3
"""Uses orchestrate's MCP server with the official MCP Python client (PyPI `mcp`), as an agent framework would.

Usage: mcp-client-check.py stdio ORCHESTRATE [ARGUMENT ...]   # starts `ORCHESTRATE mcp ARGUMENT ...` as its server
       mcp-client-check.py http URL TOKEN                      # the streamable HTTP endpoint of `orchestrate serve`

Lists the tools and the resource templates; runs a task (with an expected answer and a seed, collecting the progress
notifications); lists the runs; reads the run's trace as a resource; gives feedback; replays the run; calls `run` with
a bad argument; then starts a 3-agent debate and cancels it after its first progress notification (or after 5 s). Over HTTP it also
posts an initialize request without the token. Prints one JSON object with what each step returned.
"""
import json
import sys
import urllib.error
import urllib.request

import anyio
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

QUESTION = "A bakery makes 14 trays of 12 muffins and sells 91 of them. How many muffins are left?"


def text_of(result):
    return "\n".join(part.text for part in result.content if getattr(part, "type", None) == "text")


def field(model, name):
    """A field of the client's result models by its Python name (mcp 2) or its JSON name (mcp 1)."""
    if hasattr(model, name):
        return getattr(model, name)
    words = name.split("_")
    return getattr(model, words[0] + "".join(word.title() for word in words[1:]))


async def session_steps(session, report):
    await session.initialize()
    report["tools"] = sorted(tool.name for tool in (await session.list_tools()).tools)
    report["templates"] = [field(t, "uri_template") for t in field(await session.list_resource_templates(), "resource_templates")]

    progress = []

    async def on_progress(value, total, message):
        progress.append({"progress": value, "message": message})

    ran = await session.call_tool(
        "run", {"query": QUESTION, "expected": "77", "seed": 5}, read_timeout_seconds=120, progress_callback=on_progress
    )
    report["run"] = {"is_error": field(ran, "is_error"), "structured": field(ran, "structured_content"), "text": text_of(ran)}
    report["progress"] = progress
    run_id = (field(ran, "structured_content") or {}).get("run_id")

    listed = await session.call_tool("list_runs", {"limit": 5})
    report["listed"] = [run["id"] for run in (field(listed, "structured_content") or {}).get("runs", [])]

    resource = await session.read_resource(f"orchestrate://runs/{run_id}")
    report["resource"] = json.loads(resource.contents[0].text)["run"]["id"]

    feedback = await session.call_tool("feedback", {"run_id": run_id, "score": 1, "note": "from the MCP client"})
    report["feedback"] = {"is_error": field(feedback, "is_error"), "structured": field(feedback, "structured_content")}

    replay = await session.call_tool("replay_run", {"run_id": run_id}, read_timeout_seconds=120)
    report["replay"] = {"is_error": field(replay, "is_error"), "structured": field(replay, "structured_content")}

    bad = await session.call_tool("run", {"query": QUESTION, "agents": "three"})
    report["bad_argument"] = {"is_error": field(bad, "is_error"), "text": text_of(bad)}

    # Cancelled by the client after the first agent's turn: the client abandons the call, which sends
    # notifications/cancelled for it.
    first_turn = anyio.Event()

    async def on_debate_progress(value, total, message):
        first_turn.set()

    async def debate():
        await session.call_tool(
            "run",
            {"query": QUESTION, "topology": "debate", "agents": 3, "seed": 8, "task_id": "mcp-cancelled"},
            read_timeout_seconds=120,
            progress_callback=on_debate_progress,
        )
        report["cancelled_call_finished"] = True

    report["cancelled_call_finished"] = False
    async with anyio.create_task_group() as group:
        group.start_soon(debate)
        # Over streamable HTTP the SDK sends notifications on the session's GET stream, which may miss some: cancel
        # after 5 s at the latest (the debate takes longer), and say whether a progress notification came first.
        with anyio.move_on_after(5):
            await first_turn.wait()
        report["cancelled_after_progress"] = first_turn.is_set()
        group.cancel_scope.cancel()
    # The session still answers after a cancelled call.
    report["after_cancel"] = len((await session.list_tools()).tools)


async def main():
    mode = sys.argv[1]
    report = {}
    if mode == "stdio":
        parameters = StdioServerParameters(command=sys.argv[2], args=["mcp", *sys.argv[3:]])
        async with stdio_client(parameters) as (read, write):
            async with ClientSession(read, write) as session:
                await session_steps(session, report)
    else:
        url, token = sys.argv[2], sys.argv[3]
        request = urllib.request.Request(
            url,
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream"},
            method="POST",
        )
        try:
            urllib.request.urlopen(request, timeout=30)
            report["unauthorized_status"] = 200
        except urllib.error.HTTPError as error:
            report["unauthorized_status"] = error.code
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with client:
            async with streamable_http_client(url, http_client=client) as (read, write):
                async with ClientSession(read, write) as session:
                    await session_steps(session, report)
    print(json.dumps(report))


anyio.run(main)
