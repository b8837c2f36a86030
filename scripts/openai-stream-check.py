#!/usr/bin/env python3
"""Streams from a running `orchestrate serve` with the official `openai` Python package's streaming iterator.

Usage: openai-stream-check.py BASE_URL TOKEN
Asks the same 3-agent debate (one task id) with one seed unstreamed, then streamed with
`stream_options={"include_usage": True}`, then streamed and dropped after the first progress chunk. Prints one JSON
object: the unstreamed answer, run and usage, the streamed content, run and usage (from the chunk without choices that
ends the stream), when the first progress chunk arrived (seconds since 1970), how many progress chunks came, and whether
the dropped stream was dropped after a progress chunk.
"""
import json
import sys
import time

import openai

base_url, token = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=token, max_retries=0, timeout=120)
request = dict(
    model="debate",
    messages=[{"role": "user", "content": "A bakery makes 14 trays of 12 muffins and sells 91 of them. How many muffins are left?"}],
    seed=7,
    extra_body={"orchestrate": {"agents": 3, "expected": "77", "task_id": "stream-check"}},
)

whole = client.chat.completions.create(**request)

content = ""
first_progress_at = None
progress = []
streamed_run = None
finish_reason = None
streamed_usage = None
for chunk in client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **request):
    if chunk.usage is not None and not chunk.choices:
        streamed_usage = chunk.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"})
    extension = (chunk.model_extra or {}).get("orchestrate") or {}
    if "progress" in extension:
        if first_progress_at is None:
            first_progress_at = time.time()
        progress.append(extension["progress"])
    if "run" in extension:
        streamed_run = extension["run"]["run_id"]
    for choice in chunk.choices:
        content += choice.delta.content or ""
        finish_reason = choice.finish_reason or finish_reason

dropped_after_progress = False
stream = client.chat.completions.create(stream=True, **dict(request, seed=8))
for chunk in stream:
    if "progress" in ((chunk.model_extra or {}).get("orchestrate") or {}):
        dropped_after_progress = True
        break
stream.close()

print(json.dumps({
    "unstreamed_answer": whole.choices[0].message.content,
    "unstreamed_run": whole.model_extra["orchestrate"]["run_id"],
    "unstreamed_usage": whole.usage.model_dump(include={"prompt_tokens", "completion_tokens", "total_tokens"}),
    "streamed_usage": streamed_usage,
    "streamed_content": content,
    "streamed_run": streamed_run,
    "finish_reason": finish_reason,
    "first_progress_at": first_progress_at,
    "progress": progress,
    "dropped_after_progress": dropped_after_progress,
}))
