"""The processes under a process, read from /proc (Linux): to count browsers and `dot`, and weigh them."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    command: str  # the command line, arguments joined by spaces

    @property
    def program(self) -> str:
        return os.path.basename(self.command.split(" ", 1)[0])

    def is_chromium(self) -> bool:
        return "chrom" in self.program

    def chromium_type(self) -> str | None:
        """Chromium's `--type=` of the process (renderer, zygote, gpu-process …); None: the browser itself."""
        for word in self.command.split():
            if word.startswith("--type="):
                return word.removeprefix("--type=")
        return None


def _all() -> list[Process]:
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        found.append(Process(int(entry.name), parent, command))
    return found


def descendants(pid: int) -> list[Process]:
    """Every process under `pid` (children, their children …), alive now."""
    everything = _all()
    below: dict[int, list[Process]] = {}
    for process in everything:
        below.setdefault(process.parent, []).append(process)
    found, stack = [], [pid]
    while stack:
        for child in below.get(stack.pop(), []):
            if child.command:  # a zombie has no command line: it runs nothing
                found.append(child)
                stack.append(child.pid)
    return found


def browsers(processes: list[Process]) -> list[Process]:
    """The Chromium browsers among `processes`: no `--type=`, and not started by another Chromium.

    A process Chromium has just forked shows its parent's command line until it runs its own
    program, so for an instant it looks like a second browser; its parent gives it away."""
    chromium = {p.pid for p in processes if p.is_chromium()}
    return [
        p for p in processes if p.is_chromium() and p.chromium_type() is None and p.parent not in chromium
    ]


def programs_under(pid: int, name: str) -> list[Process]:
    return [p for p in descendants(pid) if p.program == name]


def memory_kib(pid: int) -> int:
    """The proportional set size of a process (its share of shared pages: a sum over processes
    counts each page once), in KiB; 0 if it is gone."""
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory_kib(pid: int) -> int:
    return memory_kib(pid) + sum(memory_kib(p.pid) for p in descendants(pid))


@dataclass
class Watch:
    """Samples the processes under `pid` in a thread while a block runs: the most seen at once."""

    pid: int
    interval: float = 0.05
    most_renderers: int = 0
    most_browsers: int = 0
    most_chromium: int = 0
    most_memory_kib: int = 0
    most_dots: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Watch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            under = descendants(self.pid)
            chromium = [p for p in under if p.is_chromium()]
            self.most_chromium = max(self.most_chromium, len(chromium))
            self.most_renderers = max(
                self.most_renderers, sum(1 for p in chromium if p.chromium_type() == "renderer")
            )
            self.most_browsers = max(self.most_browsers, len(browsers(under)))
            self.most_dots = max(self.most_dots, sum(1 for p in under if p.program == "dot"))
            memory = memory_kib(self.pid) + sum(memory_kib(p.pid) for p in under)
            self.most_memory_kib = max(self.most_memory_kib, memory)
            self.samples += 1
            self._stop.wait(self.interval)
