import sys

from todo import store


def main(argv: list[str]) -> int:
    if argv[:1] == ["add"] and len(argv) == 2:
        todo = store.add(argv[1])
        print(f"added #{todo['id']}")
    elif argv[:1] == ["list"]:
        for todo in store.load():
            mark = "x" if todo["done"] else " "
            print(f"[{mark}] {todo['id']}: {todo['text']}")
    elif argv[:1] == ["done"] and len(argv) == 2:
        return 0 if store.mark_done(int(argv[1])) else 1
    else:
        print("usage: python -m todo add TEXT | list | done ID", file=sys.stderr)
        return 2
    return 0


raise SystemExit(main(sys.argv[1:]))
