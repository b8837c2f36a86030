#!/usr/bin/env python3
"""Calls a running `orchestrate serve` with the official `openai` Python package, as an agent framework would.

Usage: openai-client-check.py BASE_URL TOKEN
Prints one JSON object with what came back; exits non-zero (with the reason) when the server misbehaves.
"""
import json
import sys

import openai

base_url, token = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=token, max_retries=0, timeout=60)
question = "A bakery makes 14 trays of 12 muffins and sells 91 of them. How many muffins are left?"

models = [model.id for model in client.models.list().data]
auto = client.chat.completions.create(
    model="auto",
    messages=[{"role": "system", "content": "Answer with a number."}, {"role": "user", "content": question}],
    seed=11,
    extra_body={"orchestrate": {"expected": "77"}},
)
debate = client.chat.completions.create(
    model="debate",
    messages=[{"role": "user", "content": question}],
    extra_body={"orchestrate": {"agents": 3, "verify": "check+quarantine"}},
)

errors = {}
try:
    client.chat.completions.create(model="no-such-topology", messages=[{"role": "user", "content": question}])
except openai.NotFoundError as error:
    errors["unknown_model"] = {"status": error.status_code, "code": error.code, "param": error.param}
try:
    openai.OpenAI(base_url=base_url, api_key="wrong-token", max_retries=0).models.list()
except openai.AuthenticationError as error:
    errors["wrong_token"] = {"status": error.status_code, "code": error.code}


def summary(completion):
    extra = completion.model_extra["orchestrate"]
    return {
        "content": completion.choices[0].message.content,
        "finish_reason": completion.choices[0].finish_reason,
        "model": completion.model,
        "total_tokens": completion.usage.total_tokens,
        "run_id": extra["run_id"],
        "topology": extra["topology"],
        "agents": len(extra["agents"]),
        "cost_usd": extra["cost_usd"],
        "policy": extra["verification"]["policy"],
    }


print(json.dumps({"openai": openai.__version__, "models": models, "auto": summary(auto), "debate": summary(debate), "errors": errors}))
