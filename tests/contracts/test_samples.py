from django.core.management import call_command


def test_contract_samples_renders_one_small_page_per_type(tmp_path):
    call_command("contract_samples", out=str(tmp_path), png=True)
    pngs = sorted(p.name for p in tmp_path.iterdir())
    assert pngs == [
        "consulting.png",
        "development.png",
        "license.png",
        "service.png",
        "transfer.png",
    ]
    assert all((tmp_path / name).stat().st_size < 60_000 for name in pngs)
