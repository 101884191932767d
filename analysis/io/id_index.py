"""The store's persistent index of interview ids, and the scores folder's lock.

:func:`find_interview` answers "is this interview id saved anywhere in ``scores/``?" for every
file the loader reads, fast on a folder of 100,000 files, and :func:`store_lock` makes that answer
and the store's hard link one atomic step (:mod:`analysis.io.store`).

What makes a save on a 100k-file folder cheap is that the store never needs to know the ids of
the files it wrote itself: such a file (one interview, named ``safe_filename(its id).csv``) is
found by *name* — a live ``stat`` of that name in every folder of the index, at every save. The
index only has to remember (a) which folders exist and their listings, checked by the folder's
modification time, and (b) the ids of every other file ("tracked": bulk imports, hand-made or
renamed files, links), checked by each file's size, times and inode at every save.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import stat
import time
import unicodedata
import zlib
from pathlib import Path

from analysis import config
from analysis.io.files import file_lock, read_regular_file, safe_filename, scorecard_entries, umask

__all__ = ["find_interview", "store_lock", "lookup", "norm_id", "INDEX_DIR", "LOCK_NAME"]

#: The lock file that makes "check the id, then link the file" one atomic step (hidden: never read).
LOCK_NAME = config.STORE_LOCK_FILE


@contextlib.contextmanager
def store_lock(data=None):
    """Hold the scores folder's exclusive lock (``scores/.store.lock``, :attr:`analysis.config.Layout.store_lock`)
    for the ``with`` body.

    Every :func:`save_interview` takes it around its uniqueness check and its hard link, so the two
    are one atomic step for every process on the machine (:func:`analysis.io.files.file_lock`:
    ``flock`` on POSIX, mapped to byte-range locks on NFS; ``msvcrt`` on Windows). The lock is
    released when the process exits, even by a crash.
    """
    with file_lock(config.layout(data).store_lock):
        yield


def norm_id(text: str) -> str:
    """An interview id as ids are compared: Unicode NFC, surrounding whitespace stripped."""
    return unicodedata.normalize("NFC", str(text)).strip()


def _ids_in_file(path) -> set[str]:
    """The interview ids of one scorecard file (any layout), normalised; empty if unreadable.

    Never blocks (a FIFO named ``x.csv`` is refused, as the loader refuses it). A file without a
    quote or a carriage return is split directly (exactly what the csv module would read); any
    other file goes through the csv module.
    """
    try:
        raw = read_regular_file(path)
    except OSError:
        return set()
    text = raw.decode("utf-8-sig", errors="replace")
    if '"' not in text and "\r" not in text:
        lines = text.split("\n")
        names = [h.strip().lower() for h in lines[0].split(",")]
        if "interview_id" not in names:
            return set()
        col = names.index("interview_id")
        out = set()
        for line in lines[1:]:
            if line:
                fields = line.split(",")
                if len(fields) > col:
                    out.add(norm_id(fields[col]))
        return out
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            return set()
        names = [h.strip().lower() for h in header]
        if "interview_id" not in names:
            return set()
        col = names.index("interview_id")
        return {norm_id(row[col]) for row in reader if len(row) > col}
    except csv.Error:  # e.g. a field over the csv module's size limit: read what can be read
        return {norm_id(line.split(",")[col]) for line in text.splitlines()[1:] if line.count(",") >= col}


#: The index folder, relative to ``scores/``: hidden (the loader never reads it), ignored by git
#: (``.cache/``), and on the same filesystem as the year folders, so a new scorecard is written
#: there first and then hard-linked into its year folder in one step.
INDEX_DIR = config.STORE_INDEX_DIR
_HEADERS = ("index-0.json", "index-1.json")  # two slots, written alternately (see _Index.save)
_FORMAT = "analysis.io.store id index"
_VERSION = 1
#: A folder listing or a file read this close after the folder's or file's last change may have
#: missed a change made within the same time-stamp tick, so it is not trusted (as the loader's
#: parse cache, ``analysis.io.load``, does with its cache).
_RACY_NS = 2_000_000_000
_NAMES_FILE = re.compile(r"d[0-9a-f]{16}-[0-9]+\.names\Z")
_READ_PROGRESS = 2000  # reading more files than this at once shows a progress bar


class _Corrupt(Exception):
    """The index (or one of its listings) is not what this code writes: it is rebuilt, not trusted."""


def _key(rel: str) -> str:
    return hashlib.sha256(rel.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _sig(st) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _dir_sig(d: dict) -> list[int]:
    return [d["dev"], d["ino"], d["mtime_ns"], d["ctime_ns"]]


def _dir_sig_of(st) -> list[int]:
    # the change time too: ``touch -d``, ``tar x`` or ``rsync -t`` can put a folder's modification
    # time back, never its change time
    return [st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _safe_rel(rel) -> bool:
    """A relative path inside the scores folder, of visible parts (what the walk can produce)."""
    if not isinstance(rel, str) or rel.startswith("/") or "\x00" in rel or "\\" in rel:
        return False
    return rel == "" or all(part and not part.startswith(".") for part in rel.split("/"))


class _Index:
    """The id index of one scores folder (in memory; persisted in ``scores/.cache/store-index``).

    ``dirs`` maps each folder (relative path, ``""`` for ``scores/``) to its record: ``dev``,
    ``ino``, ``mtime_ns`` and ``ctime_ns`` as seen when it was last known complete, ``trusted`` (that knowledge
    may be relied on while the folder's time is unchanged), ``subdirs``, the file holding its
    listing (``names_file``, ``names_bytes``, ``names_crc``, ``count``). ``tracked`` maps every file that is not a
    store-named single interview to ``sig`` (size, mtime, ctime, inode), ``read_ns`` and ``ids``.
    """

    def __init__(self, root: str, root_st):
        self.root = root
        self.root_id = [root_st.st_dev, root_st.st_ino]
        self.dirs: dict[str, dict] = {}
        self.tracked: dict[str, dict] = {}
        self.names: dict[str, tuple] = {}  # rel -> (names_file, names_bytes, set of names)
        self.gen = 0
        self.dirty = False
        self.rewritten = False  # a listing file was (re)written: collect the stale ones at save
        self.loaded: set[str] = set()  # listing files the header read names (the other slot)

    # -- persistence -------------------------------------------------------------------------
    def folder(self) -> str:
        return os.path.join(self.root, INDEX_DIR)

    def body(self) -> dict:
        return {"format": _FORMAT, "version": _VERSION, "root": self.root, "root_id": self.root_id,
                "gen": self.gen, "dirs": self.dirs, "tracked": self.tracked}

    def save(self) -> None:
        """Write the header into the older of its two slots (``index-0.json``, ``index-1.json``,
        by generation), in place: no rename, which on ext4 costs milliseconds. A write torn by a
        crash fails its checksum, and the other slot (one generation older) is used. Not fsync-ed:
        it is a cache whose every record is checked against the folder before use, so a lost or
        older header costs a listing, never a wrong answer."""
        if not self.dirty:
            return
        self.gen += 1
        body = json.dumps(self.body(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        doc = json.dumps({"sha256": hashlib.sha256(body.encode()).hexdigest(), "body": body}).encode("ascii")
        folder = self.folder()
        try:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(os.path.join(folder, _HEADERS[self.gen % 2]), os.O_WRONLY | os.O_CREAT, 0o666 & ~umask())
            try:
                view = memoryview(doc)
                while view:
                    view = view[os.write(fd, view):]
                os.ftruncate(fd, len(doc))
            finally:
                os.close(fd)
            if self.rewritten:
                self._collect()
        except OSError:  # a read-only folder goes without a persistent index
            pass
        self.dirty = self.rewritten = False
        self.loaded = {d["names_file"] for d in self.dirs.values()}

    def _collect(self) -> None:
        """Remove listing files neither header slot names (an earlier generation's)."""
        keep = {d["names_file"] for d in self.dirs.values()} | self.loaded
        try:
            with os.scandir(self.folder()) as it:
                stale = [e.name for e in it if _NAMES_FILE.match(e.name) and e.name not in keep]
        except OSError:
            return
        for name in stale:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.folder(), name))

    @classmethod
    def read(cls, root: str, root_st) -> "_Index":
        """The persisted index, validated: the newer of the two header slots that passes every
        check; an empty index (everything is read again) if neither does — missing, damaged, of
        another version, or made for another folder."""
        best, damaged = None, False
        for slot in _HEADERS:
            try:
                with open(os.path.join(root, INDEX_DIR, slot), "rb") as fh:
                    raw = fh.read(64 << 20)
            except OSError:
                continue
            ix = cls(root, root_st)
            try:
                ix._load(raw)
            except (_Corrupt, ValueError, TypeError, KeyError, AttributeError, RecursionError):
                damaged = True
                continue
            if best is None or ix.gen > best.gen:
                best = ix
        if best is None:
            best = cls(root, root_st)
            best.dirty = damaged  # overwrite a damaged header at the next save
        best.loaded = {d["names_file"] for d in best.dirs.values()}
        return best

    def _load(self, raw: bytes) -> None:
        doc = json.loads(raw.decode("ascii"))
        body = doc["body"]
        if not isinstance(body, str) or hashlib.sha256(body.encode()).hexdigest() != doc["sha256"]:
            raise _Corrupt("checksum")
        b = json.loads(body)
        if (b["format"], b["version"], b["root"], b["root_id"]) != (_FORMAT, _VERSION, self.root, self.root_id):
            raise _Corrupt("another folder or version")
        if not _is_int(b["gen"]) or not isinstance(b["dirs"], dict) or not isinstance(b["tracked"], dict):
            raise _Corrupt("shape")
        for rel, d in b["dirs"].items():
            ok = (_safe_rel(rel) and set(d) == {"dev", "ino", "mtime_ns", "ctime_ns", "trusted", "subdirs", "names_file",
                                              "names_bytes", "names_crc", "count"}
                  and all(_is_int(d[k]) for k in ("dev", "ino", "mtime_ns", "ctime_ns", "names_bytes", "names_crc",
                                                  "count"))
                  and isinstance(d["trusted"], bool) and isinstance(d["names_file"], str)
                  and _NAMES_FILE.match(d["names_file"]) is not None
                  and d["names_file"].startswith("d" + _key(rel))
                  and isinstance(d["subdirs"], list) and all(_safe_rel(s) and s and "/" not in s for s in d["subdirs"])
                  and d["names_bytes"] >= 0 and d["count"] >= 0)
            if not ok:
                raise _Corrupt(f"folder record {rel!r}")
        for rel, t in b["tracked"].items():
            ok = (_safe_rel(rel) and rel.endswith(".csv") and set(t) == {"sig", "read_ns", "ids"}
                  and isinstance(t["sig"], list) and len(t["sig"]) == 4 and all(_is_int(v) for v in t["sig"])
                  and _is_int(t["read_ns"]) and isinstance(t["ids"], list) and all(isinstance(i, str) for i in t["ids"])
                  and os.path.dirname(rel) in b["dirs"])
            if not ok:
                raise _Corrupt(f"file record {rel!r}")
        self.gen, self.dirs, self.tracked = b["gen"], b["dirs"], b["tracked"]

    def known_names(self, rel: str) -> dict | None:
        """The listing of folder ``rel`` as last recorded, ``{name: inode}``; None when unknown or
        damaged (then every file of the folder is read again). One ``name<TAB>inode`` per line."""
        d = self.dirs.get(rel)
        if d is None:
            return None
        cached = self.names.get(rel)
        if cached is not None and cached[:2] == (d["names_file"], d["names_bytes"]):
            return cached[2]
        try:
            with open(os.path.join(self.folder(), d["names_file"]), "rb") as fh:
                data = fh.read(d["names_bytes"])
            if len(data) != d["names_bytes"] or (zlib.crc32(data) != d["names_crc"]):
                raise _Corrupt("listing length or checksum")
            text = data.decode("utf-8", errors="surrogateescape")
            lines = text.split("\n")[:-1] if text else []
            out = {}
            for line in lines:
                n, _, ino = line.rpartition("\t")
                if not (n.endswith(".csv") and "/" not in n and not n.startswith(".") and "\x00" not in n
                        and "\t" not in n and ino.isdigit() and ino.isascii()):
                    raise _Corrupt("listing entries")
                out[n] = int(ino)
            if len(lines) != d["count"] or len(out) != d["count"]:
                raise _Corrupt("listing entries")
        except (OSError, _Corrupt, ValueError):
            return None
        self.names[rel] = (d["names_file"], d["names_bytes"], out)
        return out

    def write_names(self, rel: str, names: dict) -> None:
        """Record a fresh listing of ``rel`` (``{name: inode}``) in a new listing file (the header
        names it)."""
        d = self.dirs[rel]
        data = "".join(f"{n}\t{names[n]}\n" for n in sorted(names)).encode("utf-8", errors="surrogateescape")
        fname = f"d{_key(rel)}-{time.time_ns()}{os.getpid() % 1000:03d}.names"
        try:
            os.makedirs(self.folder(), exist_ok=True)
            with open(os.path.join(self.folder(), fname), "wb") as fh:
                fh.write(data)
        except OSError:
            fname = "d" + _key(rel) + "-0.names"  # not persisted: the header will not validate it
        d.update(names_file=fname, names_bytes=len(data), names_crc=zlib.crc32(data), count=len(names))
        self.names[rel] = (fname, len(data), dict(names))
        self.dirty = self.rewritten = True

    def append_name(self, rel: str, name: str, ino: int) -> None:
        """Add one name the store just linked into ``rel`` to its listing (an append)."""
        d = self.dirs[rel]
        cached = self.names.get(rel)
        known = cached[2] if cached is not None and cached[:2] == (d["names_file"], d["names_bytes"]) else None
        # The listing itself is not read here: its length and CRC-32 are extended from the
        # recorded ones, so a listing damaged before this append still fails its check when read.
        line = f"{name}\t{ino}\n".encode("utf-8", errors="surrogateescape")
        try:
            with open(os.path.join(self.folder(), d["names_file"]), "r+b") as fh:
                fh.truncate(d["names_bytes"])  # drop a torn earlier append, if any
                fh.seek(d["names_bytes"])
                fh.write(line)
        except OSError:
            d["trusted"], d["mtime_ns"] = False, -1
            self.dirty = True
            return
        d.update(names_bytes=d["names_bytes"] + len(line), names_crc=zlib.crc32(line, d["names_crc"]),
                 count=d["count"] + 1)
        if known is not None:
            known[name] = ino
            self.names[rel] = (d["names_file"], d["names_bytes"], known)
        self.dirty = True

    def rel_of(self, folder) -> str:
        """The index's name of ``folder`` (inside the scores folder): ``""`` for the root."""
        rel = os.path.relpath(str(folder), self.root).replace(os.sep, "/")
        return "" if rel == "." else rel

    def unchanged(self, rel: str, folder) -> bool:
        """Whether folder ``rel`` (at ``folder``) is known, trusted and unchanged since it was recorded."""
        d = self.dirs.get(rel)
        if d is None or not d["trusted"]:
            return False
        try:
            return _dir_sig(d) == _dir_sig_of(os.stat(folder))
        except OSError:
            return False

    def record_link(self, rel: str, path: Path, wanted: str, intact: bool) -> None:
        """After the store linked ``path`` (holding id ``wanted``) into folder ``rel``: record the
        new name without listing the folder when it was ``intact`` before the link (see
        :meth:`unchanged`) and the link is there; otherwise the folder is listed again next time."""
        d = self.dirs.get(rel)
        if d is None:
            return
        after = None
        with contextlib.suppress(OSError):
            after = os.stat(path.parent)
        if intact and after is not None and path.exists():
            d["mtime_ns"], d["ctime_ns"] = after.st_mtime_ns, after.st_ctime_ns
            self.append_name(rel, path.name, os.stat(path).st_ino)
            if path.name != f"{safe_filename(wanted)}.csv":  # not NFC: found by its record, not its name
                self._read([(rel, path.name)], time.time_ns())
        else:
            d["trusted"], d["mtime_ns"] = False, -1
        self.dirty = True

    # -- checking against the folder -----------------------------------------------------------
    def path(self, rel: str, name: str = "") -> str:
        parts = [p for p in (rel, name) if p]
        return os.path.join(self.root, *parts) if parts else self.root

    def refresh(self, now_ns: int) -> None:
        """Bring the index up to date with the folder (see :func:`find_interview`, Notes)."""
        seen_dirs: set[str] = set()
        seen_real: set[str] = set()
        todo: list[tuple[str, str]] = []  # files to read: (rel dir, name)
        self._walk("", seen_dirs, seen_real, now_ns, todo)
        for gone in set(self.dirs) - seen_dirs:
            del self.dirs[gone]
            self.names.pop(gone, None)
            self.dirty = True
        for rel in [r for r in self.tracked if os.path.dirname(r) not in self.dirs]:
            del self.tracked[rel]
            self.dirty = True
        for rel, t in list(self.tracked.items()):  # every non-store file: stat, read again if changed
            d, name = os.path.split(rel)
            try:
                st = os.stat(self.path(d, name))
            except OSError:  # vanished since the listing (the next listing drops it) or a broken link
                st = None
            if st is None or _sig(st) != t["sig"] or t["read_ns"] - max(st.st_mtime_ns, st.st_ctime_ns) <= _RACY_NS:
                todo.append((d, name))
        self._read(todo, now_ns)

    def _walk(self, rel: str, seen_dirs: set, seen_real: set, now_ns: int, todo: list) -> None:
        full = self.path(rel)
        try:
            st = os.stat(full)  # follows a linked folder, as the loader does
            real = os.path.realpath(full)
        except OSError:
            return
        if not stat.S_ISDIR(st.st_mode) or real in seen_real:  # a link loop or a second link: read once
            return
        seen_real.add(real)
        seen_dirs.add(rel)
        d = self.dirs.get(rel)
        if d is None or not d["trusted"] or _dir_sig(d) != _dir_sig_of(st):
            d = self._list(rel, full, st, now_ns, todo)
            if d is None:
                return
        for sub in d["subdirs"]:
            self._walk(f"{rel}/{sub}" if rel else sub, seen_dirs, seen_real, now_ns, todo)

    def _list(self, rel: str, full: str, st, now_ns: int, todo: list) -> dict | None:
        names: dict[str, int] = {}
        links, subdirs = set(), []
        try:
            with os.scandir(full) as it:
                for e, is_dir in scorecard_entries(it):  # what the loader reads
                    if is_dir:
                        subdirs.append(e.name)
                    else:
                        names[e.name] = e.inode()  # from the listing itself: no stat
                        if e.is_symlink():
                            links.add(e.name)
        except OSError:
            return None
        known = self.known_names(rel) if rel in self.dirs else {}
        if known is None:
            known = {}
            for t in [t for t in self.tracked if os.path.dirname(t) == rel]:
                del self.tracked[t]
        for name in known.keys() - names.keys():
            self.tracked.pop(f"{rel}/{name}" if rel else name, None)
        # new names, names now on another inode (a file replaced by a rename: what most editors,
        # ``sed -i`` and ``cp`` over a file via a temporary do), and links not yet recorded
        for name in {n for n, ino in names.items() if known.get(n) != ino} | {
                n for n in links if (f"{rel}/{n}" if rel else n) not in self.tracked}:
            todo.append((rel, name))
        self.dirs[rel] = d = {
            "dev": st.st_dev, "ino": st.st_ino, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns,
            "trusted": now_ns - st.st_mtime_ns > _RACY_NS, "subdirs": sorted(subdirs),
            "names_file": "", "names_bytes": 0, "names_crc": 0, "count": 0}
        self.write_names(rel, names)
        return d

    def _read(self, todo: list, now_ns: int) -> None:
        """Read the files in ``todo``: a store-named single interview needs no record (it is found
        by name); any other file is tracked with its ids."""
        iterator = todo
        if len(todo) > _READ_PROGRESS:
            from tqdm.auto import tqdm  # deferred: only a first read of thousands of files shows a bar
            iterator = tqdm(todo, desc="store: indexing interview ids", unit="file", leave=False)
        for rel, name in iterator:
            path = self.path(rel, name)
            key = f"{rel}/{name}" if rel else name
            try:
                st = os.stat(path)
                is_link = os.path.islink(path)
            except OSError:
                st, is_link = None, True
            ids = _ids_in_file(path) if st is not None else set()
            if not is_link and len(ids) == 1 and f"{safe_filename(next(iter(ids)))}.csv" == name:
                if self.tracked.pop(key, None) is not None:
                    self.dirty = True
                continue
            self.tracked[key] = {"sig": _sig(st) if st is not None else [-1, -1, -1, -1],
                                 "read_ns": now_ns, "ids": sorted(ids)}
            self.dirty = True

    def lookup(self, wanted: str) -> str | None:
        """The file holding ``wanted``: a tracked file whose ids include it, or a file of the
        store's name for it in any folder (read to confirm)."""
        for rel, t in self.tracked.items():
            if wanted in t["ids"]:
                return self.path(*os.path.split(rel))
        name = f"{safe_filename(wanted)}.csv"
        for rel in self.dirs:
            path = self.path(rel, name)
            if os.path.lexists(path) and wanted in _ids_in_file(path):
                return path
        return None


#: Listings already read, per scores folder and process (keyed by listing file and length, so a
#: listing another process rewrote or extended is read again).
_NAMES: dict[str, dict] = {}


def _index(root: str) -> _Index:
    """The index of ``root`` as on disk now (the header is small: it is read and validated at
    every call, so what another process recorded is never missed)."""
    ix = _Index.read(root, os.stat(root))
    ix.names = _NAMES.setdefault(root, {})
    return ix


def lookup(root: str, interview_id: str, *, persist: bool = True) -> tuple[_Index, str | None]:
    """The index of the scores folder ``root`` brought up to date, and the file holding
    ``interview_id`` (or None); the index is saved unless ``persist`` is False (the store saves it
    after its link)."""
    ix = _index(root)
    ix.refresh(time.time_ns())
    found = ix.lookup(norm_id(interview_id))
    if persist:
        ix.save()
    return ix, found


def find_interview(interview_id: str, data=None) -> Path | None:
    """The scorecard file that already holds ``interview_id``, or None.

    Looks in every file the loader reads (``scores/**/*.csv``, any year, any depth, linked folders
    followed, bulk files included; hidden files and folders are skipped, as the loader skips them).
    Ids compare after stripping whitespace and Unicode NFC normalisation, as the loader compares them.

    Notes
    -----
    Fast on a large folder, and never trusting what it cannot check. The store keeps an id index
    in ``scores/.cache/store-index/`` (JSON and plain text listings: nothing in it can run; a
    header with a SHA-256 of its body, each listing with its length and CRC-32; made for one
    folder, recognised by its path, device and inode; the header kept in two slots written in turn,
    so a write torn by a crash leaves the older one). It is checked against the folder at every
    call:

    - **A file the store wrote** (one interview, named ``safe_filename(id).csv``) is found by its
      name: a live ``stat`` of that name in every folder, so it needs no record at all.
    - **Every other file** (a bulk import, a hand-made or renamed file, a symbolic link) is
      recorded with its ids and its size, modification time, change time and inode; it is
      ``stat``-ed at every call and read again when any of them changed, or when it was read
      within two seconds of its last change (finer than time stamps can tell).
    - **Every folder** is recorded with its device, inode, modification and change times and its
      listing (each name with its inode); it is listed again (and its new or replaced files read)
      when any of them changed — a file added, removed, renamed or replaced behind the store's
      back, a folder replaced — or when it was listed within two
      seconds of its last change. When the store links a new file into a folder it knew, it
      records the folder's new time and the new name (no listing).
    - A header or listing that is missing, damaged, edited, of another version or for another
      folder is ignored and rebuilt (the first call then reads every file once, with a progress
      bar on large folders).

    So a call costs a ``stat`` per folder and per non-store file and reads only what changed.
    What it cannot see: a store-written file edited in place (same inode) so that it holds
    *another* id — its name is what vouches for its id; a file replaced by a rename, as most
    editors save, gets a new inode and is read again — and a file
    created by another program in the same folder within the same time-stamp tick as one of the
    store's own links (both leave one modification time; it is seen when the folder next changes).
    """
    lay = config.layout(data)
    root = str(lay.scores.resolve())
    if not os.path.isdir(root):
        return None
    try:
        with store_lock(lay):
            _, found = lookup(root, interview_id)
    except OSError:  # a read-only folder: check without the lock, and keep the index in memory
        _, found = lookup(root, interview_id, persist=False)
    return Path(found) if found is not None else None
