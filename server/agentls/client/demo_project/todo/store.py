"""Where todos live: a JSON file in the user's home directory."""

import json
from pathlib import Path

DEFAULT_PATH = Path.home() / ".tinytodo.json"


def load(path: Path = DEFAULT_PATH) -> list[dict]:
    """Read the todos; a missing file means an empty list."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def save(todos: list[dict], path: Path = DEFAULT_PATH) -> None:
    """Write the todos back, replacing the whole file."""
    with path.open("w", encoding="utf-8") as handle:
        json.dump(todos, handle, indent=2)


def add(text: str, path: Path = DEFAULT_PATH) -> dict:
    todos = load(path)
    todo = {"id": len(todos) + 1, "text": text, "done": False}
    todos.append(todo)
    save(todos, path)
    return todo


def mark_done(todo_id: int, path: Path = DEFAULT_PATH) -> bool:
    todos = load(path)
    for todo in todos:
        if todo["id"] == todo_id:
            todo["done"] = True
            save(todos, path)
            return True
    return False
