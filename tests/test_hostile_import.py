

def test_the_command_fails_only_when_nothing_could_be_read(project, tmp_path, cli):
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 40)  # a gzip header and nothing usable
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"{" * 10 + b"\xff\xfe not json")
    failed = cli("import", project.folder, broken, garbage, expect=1)
    assert "Traceback" not in failed.output
    good = tmp_path / "good.jsonl"
    good.write_bytes(jsonl(tweet(77)))
    assert cli.json("import", project.folder, broken, garbage, good)["stored"] == 1
