"""8 threads x 200 mixed calls through one ApiClient against the sandbox: nothing lost, nothing duplicated."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

import sparkfly_client
from sparkfly_client.sandbox import Sandbox

THREADS = 8
CALLS_PER_THREAD = 200


def _worker(api: sparkfly_client.CredentialsApi, thread: int, start: threading.Barrier) -> Dict[int, Tuple[str, str]]:
    """Cycles create, get, redeem-or-void, list/eligibility; returns {id: (annotation tag, expected status)}."""
    mine: Dict[int, Tuple[str, str]] = {}
    last = 0
    start.wait()
    for call in range(CALLS_PER_THREAD):
        step = call % 4
        if step == 0:
            tag = f"{thread}-{call}"
            created = api.create_credential(
                {"credential": {"member_id": 56, "offer_id": 56, "channel_id": 56, "annotations": {"tag": tag}}}
            ).credential
            assert created is not None and created.id is not None and created.id not in mine
            last = created.id
            mine[last] = (tag, "open")
        elif step == 1:
            fetched = api.get_credential(last).credential
            assert fetched is not None and fetched.annotations == {"tag": mine[last][0]}
        elif step == 2:
            tag = mine[last][0]
            if call % 8 == 2:
                changed = api.redeem_credential(last).credential
                mine[last] = (tag, "redeemed")
            else:
                changed = api.void_credential(last).credential
                mine[last] = (tag, "voided")
            assert changed is not None and changed.status == mine[last][1]
        elif call % 8 == 3:
            assert api.get_credentials(member_id=56, per_page=5).per_page == 5
        else:
            assert api.get_offer_eligibility_for_member(56, 56).is_eligible is True
    return mine


def test_eight_threads_share_one_client_without_losing_or_duplicating(sparkfly_sandbox: Sandbox) -> None:
    start = threading.Barrier(THREADS)
    with sparkfly_sandbox.api_client() as client:
        api = sparkfly_client.CredentialsApi(client)
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            results: List[Dict[int, Tuple[str, str]]] = list(
                pool.map(lambda thread: _worker(api, thread, start), range(THREADS))
            )
        expected: Dict[int, Tuple[str, str]] = {}
        for mine in results:
            assert not set(mine) & set(expected), "two threads were given the same credential id"
            expected.update(mine)
        assert len(expected) == THREADS * CALLS_PER_THREAD // 4

        on_server = [item.credential for item in api.iter_credentials(member_id=56, per_page=100) if item.credential]
    ids = Counter(credential.id for credential in on_server)
    assert all(count == 1 for count in ids.values()), "a credential was listed twice"
    assert set(ids) == set(expected) | {56}
    for credential in on_server:
        if credential.id != 56:
            assert credential.id is not None
            assert (credential.annotations["tag"], credential.status) == expected[credential.id]
    identifiers = Counter(credential.identifier for credential in on_server)
    assert max(identifiers.values()) == 1, "two credentials share a redeemable code"
    served = sparkfly_sandbox.requests
    worker_calls = served[: THREADS * CALLS_PER_THREAD]  # the listing above came after every worker finished
    assert {r.status for r in worker_calls} <= {200, 201}
    assert sum(r.method == "POST" for r in served) == len(expected), "a create was sent twice"
