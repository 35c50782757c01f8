"""``Sandbox(members=N)``: numbered members 1000 and up, over real HTTP, on the command line and in the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from sandbox_process import exported, sandbox_process

import sparkfly_client
from sparkfly_client.sandbox import Sandbox
from sparkfly_client.sandbox.__main__ import main
from sparkfly_client.sandbox.members import MAX_NUMBERED_MEMBERS, Members

COFFEE_ON_POS = "Offer Free Coffee with Any Breakfast is not available on channel 57"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(members=3) as running:
        yield running


@pytest.fixture
def api(sandbox: Sandbox) -> Iterator[sparkfly_client.CredentialsApi]:
    sandbox.reset()
    with sandbox.api_client(retries=0) as client:
        yield sparkfly_client.CredentialsApi(client)


def create(api: sparkfly_client.CredentialsApi, **fields: Any) -> sparkfly_client.Credential:
    credential = api.create_credential({"credential": fields}).credential
    assert credential is not None
    return credential


@pytest.mark.parametrize("member_id", [1000, 1001, 1002])
@pytest.mark.parametrize("channel_id", [56, 57])
@pytest.mark.parametrize("offer_id", [56, 57])
def test_numbered_members_get_offers_56_and_57_on_both_channels(
    api: sparkfly_client.CredentialsApi, member_id: int, channel_id: int, offer_id: int
) -> None:
    credential = create(api, member_id=member_id, channel_id=channel_id, offer_id=offer_id)
    assert (credential.member_id, credential.channel_id, credential.offer_ids) == (member_id, channel_id, [offer_id])
    assert credential.identifier
    assert api.get_offer_eligibility_for_member(member_id, offer_id).is_eligible is True


def test_the_demo_members_keep_offer_57_to_channel_56(api: sparkfly_client.CredentialsApi) -> None:
    for member_id in (56, 57, 58):
        with pytest.raises(sparkfly_client.BadRequestException) as caught:
            create(api, member_id=member_id, channel_id=57, offer_id=57)
        assert caught.value.data.error == COFFEE_ON_POS
        assert create(api, member_id=member_id, channel_id=56, offer_id=57).offer_ids == [57]


def test_numbered_members_get_no_other_offer(api: sparkfly_client.CredentialsApi) -> None:
    club = api.get_offer_eligibility_for_member(1000, 59)
    assert club.is_eligible is False and club.status == "Member must be eligible for offer: Club Members: Two for One"
    with pytest.raises(sparkfly_client.BadRequestException, match="no longer active"):
        create(api, member_id=1000, channel_id=56, offer_id=58)


def test_their_external_identifiers_stand_for_their_ids(api: sparkfly_client.CredentialsApi) -> None:
    credential = create(api, member_identifier="member-1002", channel_id=57, offer_id=57)
    assert credential.member_id == 1002
    assert [c.credential.id for c in api.get_credentials(member_id=1002).credentials or [] if c.credential] == [
        credential.id
    ]
    assert create(api, member_identifier="member-57", channel_id=56).member_id == 57


@pytest.mark.parametrize("member_id", [59, 999, 1003, 2**63 - 1])
def test_members_past_the_count_do_not_exist(api: sparkfly_client.CredentialsApi, member_id: int) -> None:
    with pytest.raises(sparkfly_client.BadRequestException) as caught:
        create(api, member_id=member_id, channel_id=56)
    assert caught.value.data.error == f"Member with ID {member_id} not found"
    assert api.get_offer_eligibility_for_member(member_id, 56).status == f"Member with ID {member_id} not found"


@pytest.mark.parametrize("identifier", ["member-1003", "member-01000", "member-999", "member-", "member-1e3", "1000"])
def test_identifiers_of_nobody_are_refused(api: sparkfly_client.CredentialsApi, identifier: str) -> None:
    with pytest.raises(sparkfly_client.BadRequestException) as caught:
        create(api, member_identifier=identifier, channel_id=56)
    assert caught.value.data.error == f"Member with identifier {identifier} not found"


def test_reset_keeps_the_members(sandbox: Sandbox, api: sparkfly_client.CredentialsApi) -> None:
    sandbox.reset()
    assert sandbox.members == 3 and create(api, member_id=1002, channel_id=57, offer_id=57).member_id == 1002


def test_a_sandbox_has_no_numbered_members_unless_asked(sparkfly_api_client: sparkfly_client.ApiClient) -> None:
    api = sparkfly_client.CredentialsApi(sparkfly_api_client)
    with pytest.raises(sparkfly_client.BadRequestException, match="Member with ID 1000 not found"):
        create(api, member_id=1000, channel_id=56)


def test_a_million_members_cost_nothing_up_front() -> None:
    members = Members(1_000_000)
    assert 1_000_999 in members and 1_001_000 not in members
    found = members.with_identifier("member-1000999")
    assert found is not None and found.id == 1_000_999


@pytest.mark.parametrize("count", [-1, MAX_NUMBERED_MEMBERS + 1, True, 1.0, "5", None])
def test_a_count_that_is_not_one_is_refused_before_binding(count: Any) -> None:
    with pytest.raises(ValueError, match=f"members must be an integer from 0 to {MAX_NUMBERED_MEMBERS}, got"):
        Sandbox(members=count)


def test_environ_says_how_many_members_there_are(sandbox: Sandbox) -> None:
    assert sandbox.environ()["SPARKFLY_SANDBOX_MEMBERS"] == "3"
    with Sandbox() as plain:
        assert plain.environ()["SPARKFLY_SANDBOX_MEMBERS"] == "0"


def test_the_command_line_takes_members() -> None:
    with sandbox_process("--members", "250") as lines:
        pass
    assert any("members 56, 57, 58 and 1000 to 1249 (member-1000, ...);" in line for line in lines), lines
    assert exported(lines)["SPARKFLY_SANDBOX_MEMBERS"] == "250"


@pytest.mark.parametrize(
    ("value", "said"), [("-1", "members must be an integer from 0"), ("ten", "not a whole number")]
)
def test_the_command_line_refuses_a_bad_count(value: str, said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--port", "0", "--members", value])
    assert exited.value.code == 2 and said in capsys.readouterr().err


BULK_EXAMPLE = """\
import os
import sparkfly_client

count = int(os.environ["SPARKFLY_SANDBOX_MEMBERS"])
config = sparkfly_client.Configuration(host=os.environ["SPARKFLY_HOST"])
config.api_key["X-Auth-Token"] = os.environ["API_KEY"]
with sparkfly_client.ApiClient(config) as api_client:
    api = sparkfly_client.CredentialsApi(api_client)
    last = api.create_credential(
        {"credential": {"member_id": 1000 + count - 1, "offer_id": 57, "channel_id": 57}}
    ).credential
    print("members", count, "last", last.member_id)
"""


def write_docs(root: Path, code: str) -> None:
    (root / "docs").mkdir()
    (root / "README.md").write_text(f"# Bulk\n\n```python\n{code}```\n")


def test_the_demo_gives_each_example_100_members(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_docs(tmp_path, BULK_EXAMPLE)
    assert main(["demo", "--root", str(tmp_path)]) == 0
    assert "ok    README.md:3 Bulk: members 100 last 1099" in capsys.readouterr().out


def test_the_demo_takes_another_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_docs(tmp_path, BULK_EXAMPLE)
    assert main(["--members", "7", "demo", "--root", str(tmp_path)]) == 0
    assert "ok    README.md:3 Bulk: members 7 last 1006" in capsys.readouterr().out
