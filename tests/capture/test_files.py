import os

import pytest
import xxhash

from jupyter_mlops.capture.files import file_fingerprint


def test_hash_is_xxh3_128_of_the_content(tmp_path):
    path = tmp_path / "data.bin"
    content = os.urandom(3 * (1 << 20) + 17)  # spans several read chunks
    path.write_bytes(content)
    assert file_fingerprint(path) == xxhash.xxh3_128(content).hexdigest()
    assert file_fingerprint(str(path)) == file_fingerprint(path)


def test_same_content_elsewhere_gives_same_hash(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.csv").write_text("x,y\n1,2\n")
    (tmp_path / "c.csv").write_text("x,y\n1,3\n")
    assert file_fingerprint(tmp_path / "a.csv") == file_fingerprint(tmp_path / "b.csv")
    assert file_fingerprint(tmp_path / "a.csv") != file_fingerprint(tmp_path / "c.csv")


def test_unchanged_file_is_not_read_again(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    first = file_fingerprint(path)
    stat = os.stat(path)
    # Same size, same mtime: the cache must answer without reading the new bytes.
    path.write_text("a,b\n9,9\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_fingerprint(path) == first
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    fresh = file_fingerprint(path)
    assert fresh != first
    assert fresh == xxhash.xxh3_128(b"a,b\n9,9\n").hexdigest()


def test_size_change_is_seen_even_with_old_mtime(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("abc")
    first = file_fingerprint(path)
    stat = os.stat(path)
    path.write_text("abcd")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert file_fingerprint(path) != first


def test_replaced_file_is_seen_through_inode(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("one")
    first = file_fingerprint(path)
    stat = os.stat(path)
    other = tmp_path / "new.csv"
    other.write_text("two")
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, path)
    assert os.stat(path).st_ino != stat.st_ino
    assert file_fingerprint(path) != first


def test_symlink_shares_the_target_cache_entry(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("hello")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert file_fingerprint(link) == file_fingerprint(target)


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        file_fingerprint(tmp_path / "nope")
