"""Real telephony parts for the voice tests: Kamailio and baresip processes on loopback, in a temp dir.

Each helper starts the real program with a generated configuration, waits until it answers, and stops
it (SIGTERM, then SIGKILL). Nothing here is a fake: the SIP proxy routes, the user agents send RTP to
each other, and the tests read what arrived from the WAV files baresip's `sndfile` module writes.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import time
import wave
from pathlib import Path

from workstation.client.softphone import NetstringDecoder, encode_netstring  # noqa: F401 (re-export)

REPO = Path(__file__).resolve().parents[2]
KAMAILIO_CFG = REPO / "packaging" / "voice" / "kamailio.cfg"
BARESIP_MODULES = Path("/usr/lib/baresip/modules")
#: How long a process may take to come up on a loaded 2-core machine.
START_TIMEOUT_S = 20.0


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on loopback (SIP is UDP, the control socket TCP)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free loopback port")


def have_telephony() -> str | None:
    """None if Kamailio and baresip are installed, else what is missing."""
    missing = [p for p in ("kamailio", "baresip") if shutil.which(p) is None]
    if not (BARESIP_MODULES / "ctrl_tcp.so").exists():
        missing.append("baresip ctrl_tcp module")
    return ", ".join(missing) or None


class _Process:
    def __init__(self, argv: list[str], log: Path, cwd: Path) -> None:
        self.log_path = log
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            argv, stdout=self._log, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Kamailio(_Process):
    """The project's proxy configuration (packaging/voice/kamailio.cfg) on a free loopback UDP port."""

    def __init__(self, workdir: Path, backend_url: str, voice_key: str, port: int | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.workdir = workdir
        argv = [
            shutil.which("kamailio") or "kamailio",
            "-f", str(KAMAILIO_CFG), "-DD", "-E",
            "-w", str(workdir), "-Y", str(workdir),
            "-l", f"udp:127.0.0.1:{self.port}",
            "-A", f'BACKEND="{backend_url}"',
            "-A", f'VOICE_KEY="{voice_key}"',
            "-m", "64", "-M", "8",
        ]  # fmt: skip
        super().__init__(argv, workdir / f"kamailio-{self.port}.log", workdir)
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"kamailio exited:\n{self.log()[-3000:]}")
            if self.ping():
                return
            time.sleep(0.1)
        raise RuntimeError(f"kamailio did not answer OPTIONS:\n{self.log()[-3000:]}")

    def ping(self) -> bool:
        """A SIP OPTIONS to the proxy itself; True if it answers 200."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            s.settimeout(0.5)
            me = s.getsockname()[1]
            msg = (
                f"OPTIONS sip:127.0.0.1:{self.port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK{time.monotonic_ns()}\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:ping@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
                f"Call-ID: ping-{time.monotonic_ns()}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            )
            s.sendto(msg.encode(), ("127.0.0.1", self.port))
            try:
                data, _ = s.recvfrom(4096)
            except OSError:
                return False
            return data.startswith(b"SIP/2.0 200")


#: How often a baresip is started on fresh ports when one it was given was taken meanwhile.
PORT_ATTEMPTS = 5


class PortTaken(RuntimeError):
    """baresip could not bind a port chosen for it (another process took it first)."""


class Baresip(_Process):
    """A baresip user agent registered at the proxy, controlled over ctrl_tcp, with no sound card.

    It sends a sine tone (`ausine`, 48 kHz stereo, so Opus) and records what it receives to a WAV
    file (`sndfile`); the player is `aubridge` with a device nobody reads, which only consumes.
    """

    def __init__(
        self,
        workdir: Path,
        user: str,
        proxy_port: int,
        *,
        tone_hz: int = 440,
        register: bool = True,
        auto_answer: bool = False,
        auth_pass: str | None = None,
    ) -> None:
        self.auth_pass = auth_pass
        self.answermode = "auto" if auto_answer else "manual"
        # A port found free may be taken by another process before baresip binds it. baresip then
        # runs on without its control socket, and whoever holds the port answers the test's
        # connection (a full suite run saw a phone that "received nothing"): start again elsewhere.
        for _ in range(PORT_ATTEMPTS):
            self._start(workdir, user, proxy_port, tone_hz=tone_hz, register=register)
            try:
                self.wait_ready()
                return
            except PortTaken:
                self.stop()
        raise RuntimeError(f"baresip found no free ports in {PORT_ATTEMPTS} attempts:\n{self.log()[-3000:]}")

    def _start(self, workdir: Path, user: str, proxy_port: int, *, tone_hz: int, register: bool) -> None:
        self.user = user
        self.dir = workdir / f"baresip-{user}"
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "rec").mkdir(exist_ok=True)
        self.sip_port = free_port()
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.tone_hz = tone_hz
        rtp = free_port()
        modules = ["g711", "opus", "ausine", "aufile", "aubridge", "sndfile", "account", "ctrl_tcp"]
        config = [
            "poll_method epoll",
            f"sip_listen 127.0.0.1:{self.sip_port}",
            "sip_trans_def udp",
            f"audio_source ausine,{tone_hz}",
            f"audio_player aubridge,{user}-nobody",
            f"audio_alert aubridge,{user}-nobody",
            "ausrc_srate 48000",
            "ausrc_channels 2",
            "auplay_srate 48000",
            "auplay_channels 2",
            f"rtp_ports {rtp}-{rtp + 9}",
            "audio_buffer 20-160",
            f"module_path {BARESIP_MODULES}",
            *[f"module {m}.so" for m in modules if m not in ("account", "ctrl_tcp", "sndfile")],
            "module sndfile.so",
            f"snd_path {self.dir / 'rec'}",
            "module_app account.so",
            "module_app menu.so",
            "module_app ctrl_tcp.so",
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
            "net_interface 127.0.0.1",
        ]
        (self.dir / "config").write_text("\n".join(config) + "\n")
        regint = 60 if register else 0
        # The SIP password (digest auth at the proxy) is in the accounts file, as on an agent's PC.
        auth = f";auth_pass={self.auth_pass}" if self.auth_pass else ""
        account = (
            f"<sip:{user}@127.0.0.1:{proxy_port};transport=udp>{auth}"
            f';outbound="sip:127.0.0.1:{proxy_port};transport=udp"'
            f";regint={regint};answermode={self.answermode};audio_codecs=opus/48000/2,PCMU\n"
        )
        (self.dir / "accounts").write_text(account)
        (self.dir / "contacts").write_text("")
        argv = [shutil.which("baresip") or "baresip", "-f", str(self.dir)]
        super().__init__(argv, self.dir / "baresip.log", self.dir)

    def wait_ready(self) -> None:
        """Until baresip's log says it is ready, every port bound (its control socket included).

        Never by connecting to the control port: ctrl_tcp serves one connection at a time, and a
        probe it has not yet seen close makes it ignore the test's own connection (the phone then
        "saw nothing" in loaded runs); and something else may listen on that port."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            # A taken port first: baresip may already have exited over it (its SIP/TLS transport
            # binds a port next to the one chosen), which is a reason to start again, not a failure.
            log = self.log()
            if "Address already in use" in log:
                raise PortTaken(log[-3000:])
            if not self.alive():
                self.stop()  # closes its log (no ResourceWarning in a later test)
                raise RuntimeError(f"baresip exited:\n{log[-3000:]}")
            if "baresip is ready" in log:
                return
            time.sleep(0.1)
        raise RuntimeError(f"baresip ctrl_tcp did not open:\n{self.log()[-3000:]}")

    def recordings(self) -> list[Path]:
        """WAV files of audio this agent received (sndfile writes `-dec` for decoded input)."""
        return sorted((self.dir / "rec").glob("*-dec.wav"))


def tone_power(path: Path, hz: float) -> tuple[float, float]:
    """(power at `hz`, mean power) of a WAV file's first channel, by the Goertzel algorithm.

    A tone that arrived gives a ratio of power-at-hz to total power close to 1; silence or another
    tone gives nearly 0.
    """
    with wave.open(str(path)) as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        raw = w.readframes(w.getnframes())
    if width != 2 or not raw:
        return 0.0, 0.0
    samples = struct.unpack(f"<{len(raw) // 2}h", raw)[::channels]
    n = len(samples)
    k = round(n * hz / rate)
    coeff = 2 * math.cos(2 * math.pi * k / n)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    tone = (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * n / 2)
    total = sum(x * x for x in samples) / n
    return tone, total
