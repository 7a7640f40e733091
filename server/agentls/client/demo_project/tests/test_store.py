from todo import store


def test_add_then_load(tmp_path):
    path = tmp_path / "todos.json"
    store.add("water the plants", path)
    assert store.load(path) == [{"id": 1, "text": "water the plants", "done": False}]


def test_missing_file_is_empty(tmp_path):
    assert store.load(tmp_path / "nope.json") == []
