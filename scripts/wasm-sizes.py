#!/usr/bin/env python3
"""Lists the largest function bodies of a .wasm file by name (from its name section).

A development aid for keeping the module small: `python3 scripts/wasm-sizes.py FILE [N]`.
"""
import sys


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def main():
    data = open(sys.argv[1], "rb").read()
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    i, n_imported, bodies, names = 8, 0, [], {}
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        end = i + size
        if sid == 2:  # imports: count imported functions (they shift indices)
            n, j = leb(data, i)
            for _ in range(n):
                for _ in range(2):
                    l, j = leb(data, j)
                    j += l
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    n_imported += 1
                elif kind == 1:
                    j += 1
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 2:
                    flags, j = leb(data, j)
                    _, j = leb(data, j)
                    if flags & 1:
                        _, j = leb(data, j)
                elif kind == 3:
                    j += 2
        elif sid == 10:
            n, j = leb(data, i)
            for k in range(n):
                l, j = leb(data, j)
                bodies.append((l, n_imported + k))
                j += l
        elif sid == 0:
            l, j = leb(data, i)
            if data[j:j + l] == b"name":
                j += l
                while j < end:
                    sub = data[j]
                    sl, j = leb(data, j + 1)
                    if sub == 1:
                        n, k = leb(data, j)
                        for _ in range(n):
                            idx, k = leb(data, k)
                            nl, k = leb(data, k)
                            names[idx] = data[k:k + nl].decode("utf-8", "replace")
                            k += nl
                    j += sl
        i = end
    total = sum(l for l, _ in bodies)
    print(f"{len(data)} bytes, {len(bodies)} functions, code {total} bytes")
    for l, idx in sorted(bodies, reverse=True)[:top]:
        print(f"{l:7d}  {names.get(idx, '#' + str(idx))[:110]}")


main()
