"""mtlrec.data.load_movielens on tiny MovieLens 100K and 1M folders written here (no download), its errors,
and bench/movielens_multitask.py on a fake 100K folder."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mtlrec import data

GENRES_100K = data.MOVIELENS_GENRES["MovieLens 100K"]
GENRES_1M = data.MOVIELENS_GENRES["MovieLens 1M"]
OCCUPATIONS = ["engineer", "student", "writer", "other"]


def fake_movielens(folder: Path, kind: str = "100k", *, num_users=12, num_items=9, num_ratings=60, seed=0) -> dict:
    """Write a small MovieLens folder of `kind` ("100k" or "1m") with gaps in the ids; return what was written."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    user_ids = np.sort(rng.choice(np.arange(1, 5 * num_users), num_users, replace=False))  # ids with gaps
    item_ids = np.sort(rng.choice(np.arange(1, 5 * num_items), num_items, replace=False))
    pairs = rng.choice(num_users * num_items, num_ratings, replace=False)
    users, items = user_ids[pairs // num_items], item_ids[pairs % num_items]
    stars = rng.integers(1, 6, num_ratings)
    times = rng.integers(874_000_000, 893_000_000, num_ratings)
    ages = rng.integers(18, 70, num_users)
    genders = rng.choice(["M", "F"], num_users)
    occupations = rng.choice(OCCUPATIONS, num_users)
    genres = rng.random((num_items, len(GENRES_1M))) < 0.3
    genres[np.arange(num_items), rng.integers(0, len(GENRES_1M), num_items)] = True
    years = rng.integers(1930, 1999, num_items)
    if kind == "100k":
        (folder / "u.data").write_text("".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in zip(users, items, stars, times)),
                                       encoding="latin-1")
        lines = []
        for item, flags, year in zip(item_ids, genres, years):
            # u.item has an "unknown" genre first; the 1M genre columns follow it in the same order
            row = [str(item), f"Movie {item} ({year})", f"01-Jan-{year}", "", "http://x"] + ["0"] + [str(int(f)) for f in flags]
            lines.append("|".join(row) + "\n")
        (folder / "u.item").write_text("".join(lines), encoding="latin-1")
        (folder / "u.user").write_text("".join(f"{u}|{a}|{g}|{o}|12345\n" for u, a, g, o in
                                               zip(user_ids, ages, genders, occupations)), encoding="latin-1")
    else:
        (folder / "ratings.dat").write_text("".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in zip(users, items, stars, times)),
                                            encoding="latin-1")
        (folder / "movies.dat").write_text("".join(
            f"{item}::Café {item} ({year})::{'|'.join(g for g, f in zip(GENRES_1M, flags) if f)}\n"
            for item, flags, year in zip(item_ids, genres, years)), encoding="latin-1")
        (folder / "users.dat").write_text("".join(f"{u}::{g}::{a}::{k}::12345\n" for u, g, a, k in
                                                  zip(user_ids, genders, ages, rng.integers(0, 21, num_users))),
                                          encoding="latin-1")
    return {"user_ids": user_ids, "item_ids": item_ids, "users": users, "items": items, "stars": stars, "times": times,
            "genres": genres, "genders": genders}


@pytest.mark.parametrize("kind", ["100k", "1m"])
def test_load_movielens_returns_the_course_interactions(tmp_path, kind):
    written = fake_movielens(tmp_path / kind, kind)
    d = data.load_movielens(tmp_path / kind)
    assert isinstance(d, data.Interactions)
    assert d.meta["source"] == {"100k": "MovieLens 100K", "1m": "MovieLens 1M"}[kind]
    assert len(d) == 60 and d.num_users == 12 and d.num_items == 9
    # zero-based ids in the order of the sorted original ids; every rating where the files put it
    np.testing.assert_array_equal(d.meta["user_original_id"], written["user_ids"])
    np.testing.assert_array_equal(d.meta["item_original_id"], written["item_ids"])
    assert d.user_id.dtype == np.int32 and d.user_id.min() >= 0 and d.item_id.max() < 9
    original = {(u, i): r for u, i, r in zip(written["users"], written["items"], written["stars"])}
    loaded = {(d.meta["user_original_id"][u], d.meta["item_original_id"][i]): r for u, i, r in zip(d.user_id, d.item_id, d.rating)}
    assert loaded == original
    assert set(np.unique(d.rating)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    np.testing.assert_allclose(d.rating_scaled, (d.rating - 1) / 4)
    np.testing.assert_array_equal(d.click, (d.rating >= data.LIKED_RATING).astype(np.float32))
    assert np.all(np.diff(np.sort(written["times"])) >= 0) and np.isnan(d.click_probability).all()
    # genres: multi-hot, the file's flags (100K adds the "unknown" column first)
    expected_genres = written["genres"] if kind == "1m" else np.column_stack([np.zeros(9, bool), written["genres"]])
    np.testing.assert_array_equal(d.item_genres, expected_genres.astype(np.float32))
    assert d.item_features.shape == (9, d.item_genres.shape[1] + 1)
    assert d.user_features.shape[0] == 12 and np.all(np.isfinite(d.user_features))
    np.testing.assert_array_equal(d.user_features[:, 1], (written["genders"] == "F").astype(np.float32))
    assert d.user_factors.shape == (12, 0) and d.item_factors.shape == (9, 0) and d.cold_items.size == 0
    # the rest of the course takes it: subsets, splits, model inputs
    train, test = data.split_by_user(d, 0.2, seed=0)
    assert len(train) + len(test) == 60 and train.model_inputs()["user_features"].shape == (len(train), d.user_features.shape[1])


def test_rows_are_in_time_order(tmp_path):
    written = fake_movielens(tmp_path / "ml", "100k")
    d = data.load_movielens(tmp_path / "ml")
    by_pair = {(u, i): t for u, i, t in zip(written["users"], written["items"], written["times"])}
    times = [by_pair[(d.meta["user_original_id"][u], d.meta["item_original_id"][i])] for u, i in zip(d.user_id, d.item_id)]
    assert times == sorted(times) and d.meta["last_timestamp"] == max(times)


def error_of(folder) -> str:
    with pytest.raises(data.MovieLensError) as caught:
        data.load_movielens(folder)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


def test_missing_folder_empty_folder_and_other_formats_name_the_expected_files(tmp_path):
    assert "not found" in error_of(tmp_path / "nowhere") and "u.data" in error_of(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    message = error_of(tmp_path / "empty")
    assert "u.data" in message and "ratings.dat" in message
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,2,3.5,1\n")
    assert "ratings.csv" in error_of(tmp_path / "latest")
    fake_movielens(tmp_path / "parent" / "ml-100k")
    assert "ml-100k" in error_of(tmp_path / "parent")


@pytest.mark.parametrize("kind, removed", [("100k", "u.item"), ("100k", "u.user"), ("1m", "movies.dat"), ("1m", "users.dat")])
def test_incomplete_folder_names_the_missing_file(tmp_path, kind, removed):
    fake_movielens(tmp_path, kind)
    (tmp_path / removed).unlink()
    message = error_of(tmp_path)
    assert f"no {removed}" in message


@pytest.mark.parametrize("kind, file, line, expected", [
    ("100k", "u.data", "3\t4\n", "u.data line 1: expected 4 fields"),
    ("100k", "u.data", "1\t2\tfive\t9\n", "u.data line 1: the rating 'five'"),
    ("100k", "u.user", "1|22|M\n", "u.user line 1"),
    ("1m", "ratings.dat", "1,2,3,4\n", "ratings.dat line 1: expected 4 fields separated by '::'"),
    ("1m", "movies.dat", "1::Film (1990)::Cartoon\n", "unknown genre 'Cartoon'"),
])
def test_wrong_format_names_the_file_and_the_line(tmp_path, kind, file, line, expected):
    fake_movielens(tmp_path, kind)
    path = tmp_path / file
    path.write_text(line + path.read_text(encoding="latin-1"), encoding="latin-1")
    assert expected in error_of(tmp_path)


def test_out_of_range_rating_and_unknown_user_are_errors(tmp_path):
    written = fake_movielens(tmp_path, "100k")
    path = tmp_path / "u.data"
    original = path.read_text()
    path.write_text(f"{written['user_ids'][0]}\t{written['item_ids'][0]}\t7\t1\n" + original)
    assert "rating 7 is not in 1..5" in error_of(tmp_path)
    path.write_text(f"99999\t{written['item_ids'][0]}\t3\t1\n" + original)
    assert "user 99999 is not in u.user" in error_of(tmp_path)


# ----------------------------------------------------------------------------- bench/movielens_multitask.py
def bench_module():
    path = Path(__file__).resolve().parent.parent / "bench" / "movielens_multitask.py"
    spec = importlib.util.spec_from_file_location("movielens_multitask", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_without_folder_or_with_a_bad_one_prints_one_line_and_exits_2(tmp_path, capsys):
    bench = bench_module()
    assert bench.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "u.data" in err
    assert bench.main([str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not found" in err


def test_bench_runs_the_example_setup_on_a_fake_100k_folder(tmp_path, capsys):
    fake_movielens(tmp_path, "100k", num_users=30, num_items=40, num_ratings=500)
    assert bench_module().main([str(tmp_path), "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    for name, (accuracy, rmse) in bench_module().EXAMPLE.items():
        row = next(line for line in out.splitlines() if line.startswith(name))
        figures = row.split()[-5:]  # yours, example, yours, example, seconds
        assert float(figures[1]) == accuracy and float(figures[3]) == rmse
        assert 0.0 <= float(figures[0]) <= 1.0 and 0.0 <= float(figures[2]) < 2.0
