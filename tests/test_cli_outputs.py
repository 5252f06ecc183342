"""What the command line writes: --out never destroys a file of another kind and fails before
any work when it cannot be written; names are printed on one line."""

import pytest

from model.modelfile import load_model, save_model
from model.samples import SampleSet
from tests.cli_helpers import SMALL, fails, ok
from tests.test_modelfile import make_classifier


def test_train_never_saves_a_model_over_a_sample_set(tmp, folder):
    samples = tmp / "trained-on-not.h5"
    ok("import", folder, "--out", samples)
    link = tmp / "link-to-samples.h5"
    link.symlink_to(samples)
    for out in (samples, link):
        line = fails("train", folder, "--out", out, *SMALL)
        assert f"{samples.name} is a charrec sample set, not a model" in line
    assert len(SampleSet(samples)) == 24 and link.is_symlink()


def test_import_never_adds_samples_to_a_model(tmp, folder, model):
    line = fails("import", folder, "--out", model)
    assert f"{model.name} is a charrec model file, not a sample set" in line
    assert load_model(model).labels == ["bar", "cross", "ring"]


def test_train_never_replaces_another_programs_file(tmp, folder, bad):
    for name, reason in (("foreign.h5", "HDF5 file from another program"),
                         ("text.png", "not an HDF5 file")):
        before = bad[name].read_bytes()
        assert reason in fails("train", folder, "--out", bad[name], *SMALL)
        assert bad[name].read_bytes() == before


def test_out_in_a_missing_folder_fails_before_any_work(tmp, folder):
    dangling = tmp / "dangling.h5"
    dangling.symlink_to(tmp / "nowhere" / "x.h5")
    for out, folder_named in ((tmp / "missing" / "s.h5", tmp / "missing"),
                              (dangling, tmp / "nowhere")):
        for command in (["import", folder], ["train", folder, *SMALL]):
            line = fails(*command, "--out", out)
            assert line == (f"error: cannot save to {out}: the folder {folder_named} "
                            "does not exist")
    assert not (tmp / "missing").exists() and not (tmp / "nowhere").exists()


# --- names on the terminal ---------------------------------------------------------------------

def test_line_breaks_in_file_and_model_names_are_printed_escaped(tmp, folder, bad):
    odd = tmp / "odd"
    odd.mkdir()
    junk, image = odd / "p\nq.png", odd / "r\ns.png"
    junk.write_bytes(bad["text.png"].read_bytes())
    image.write_bytes((folder / "ring" / "0.png").read_bytes())
    line = fails("predict", junk)
    assert line.endswith("p\\u000aq.png: cannot read p\\u000aq.png: not an image file, "
                         "or an unsupported format")
    assert ok("predict", image).stdout.startswith(f"{odd}/r\\u000as.png: ")
    classifier = make_classifier()
    classifier.name = "a\nb\u2028c"
    named = tmp / "named.h5"
    save_model(classifier, named)
    assert ok("info", named).stdout.splitlines()[0] == f"a\\u000ab\\u2028c ({named})"


@pytest.mark.parametrize("name", ["a\nb", "\x1b[2J", "3\u202e"])
def test_a_model_name_with_control_characters_is_refused(tmp, folder, name):
    assert "model name cannot hold control characters" in fails(
        "train", folder, "--out", tmp / "unnamed.h5", "--name", name)
    assert not (tmp / "unnamed.h5").exists()


def test_out_never_replaces_a_built_in_model_even_through_a_link(tmp_path, monkeypatch):
    import model.builtin
    from app.cli_common import CliError, output_path
    from model.fileformat import MODEL_FORMAT

    builtin = tmp_path / "builtin"
    builtin.mkdir()
    save_model(make_classifier(), builtin / "digits.h5")
    monkeypatch.setattr(model.builtin, "BUILTIN_FOLDER", builtin)
    link = tmp_path / "mine.h5"
    link.symlink_to(builtin / "digits.h5")
    for out in (builtin / "digits.h5", builtin / "new.h5", link):
        with pytest.raises(CliError, match="built-in models are never overwritten"):
            output_path(str(out), MODEL_FORMAT)
    assert output_path(str(tmp_path / "other.h5"), MODEL_FORMAT) == tmp_path / "other.h5"
