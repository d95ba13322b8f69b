#!/usr/bin/env python3
"""Writes the unpack_fuzz seed corpus (test/fuzz/corpus/unpack_fuzz): small tarballs, valid and
hostile (traversal, absolute paths, escaping and chained symlinks, hard links, devices, deep
paths, a gzip that inflates past the fuzz target's 1 MiB limit, a zstd layer). Deterministic
(fixed mtimes/owners); re-run it only to change the seeds: python3 make_unpack_corpus.py"""
import gzip
import io
import os
import subprocess
import tarfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "unpack_fuzz")


def entry(name, kind=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.mtime = 0
    info.linkname = link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if info.size else None)
        end = t.offset
    # Drop tarfile's padding to a 10 KiB record: entries, then the two zero end blocks.
    return buf.getvalue()[:end] + bytes(1024)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    D, L, H = tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
    app = [entry("app/", D, mode=0o755), entry("app/server.js", data=b"require('x')\n"),
           entry("app/bin/", D), entry("app/bin/run", data=b"#!/bin/sh\n", mode=0o755),
           entry("app/bin/util", L, link="../server.js")]
    write("app.tar", tar_bytes(app))
    write("app-gnu.tar", tar_bytes(app, tarfile.GNU_FORMAT))
    write("app.tar.gz", gzip.compress(tar_bytes(app), mtime=0))
    try:
        zst = subprocess.run(["zstd", "-q", "-c", "-19"], input=tar_bytes(app),
                             stdout=subprocess.PIPE, check=True).stdout
        write("app.tar.zst", zst)
    except (OSError, subprocess.CalledProcessError):
        pass
    write("dotdot.tar", tar_bytes([entry("ok"), entry("../evil", data=b"x")]))
    write("dotdot-middle.tar", tar_bytes([entry("a/../../evil", data=b"x")]))
    write("absolute.tar", tar_bytes([entry("/tmp/aether-fuzz-evil", data=b"x")]))
    write("symlink-escape.tar", tar_bytes([entry("up", L, link="../../x")]))
    write("symlink-absolute-write.tar",
          tar_bytes([entry("lnk", L, link="/tmp"), entry("lnk/aether-fuzz-evil", data=b"x")]))
    write("symlink-chain.tar", tar_bytes([entry("a/b/up", L, link="../.."),
                                          entry("e", L, link="a/b/up/../x")]))
    write("symlink-then-dir.tar", tar_bytes([entry("real/", D), entry("lnk", L, link="real"),
                                             entry("lnk/", D), entry("lnk/f", data=b"x")]))
    write("symlink-replaces-dir.tar", tar_bytes([entry("d/", D), entry("d", L, link="."),
                                                 entry("d/f", data=b"x")]))
    write("hardlink-out.tar", tar_bytes([entry("h", H, link="../../etc/passwd")]))
    write("hardlink-in.tar", tar_bytes([entry("a", data=b"x"), entry("b", H, link="a")]))
    write("devices.tar", tar_bytes([entry("fifo", tarfile.FIFOTYPE),
                                    entry("chr", tarfile.CHRTYPE)]))
    write("deep.tar", tar_bytes([entry("/".join(["d"] * 20) + "/f", data=b"x")]))
    write("setuid.tar", tar_bytes([entry("s", data=b"x", mode=0o4755)]))
    write("file-then-dir.tar", tar_bytes([entry("x", data=b"1"), entry("x/y", data=b"2")]))
    # PAX sparse 1.0 (GNU tar --sparse): a map at the start of the data gives each data
    # block's offset in the file; here one byte at offset 2^63-1, which must not overflow.
    sparse, _ = entry("sparse")
    sparse.pax_headers = {"GNU.sparse.major": "1", "GNU.sparse.minor": "0",
                          "GNU.sparse.name": "sparse", "GNU.sparse.realsize": "1"}
    sparse_map = b"1\n9223372036854775807\n1\n"
    sparse_data = sparse_map + bytes(512 - len(sparse_map)) + b"x"
    sparse.size = len(sparse_data)
    write("sparse-huge-offset.tar", tar_bytes([(sparse, sparse_data)]))
    many = [entry("f%d" % i, data=b"") for i in range(80)]
    write("many.tar.gz", gzip.compress(tar_bytes(many), mtime=0))
    bomb = tar_bytes([entry("bomb", data=bytes(2 << 20))])
    write("bomb.tar.gz", gzip.compress(bomb, compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()
