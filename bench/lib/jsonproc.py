"""A long-lived worker process spoken to in JSON lines, with time-outs.

The ONNX Runtime and PyTorch engines run in their own processes (node, and a
python with its own environment) and stay loaded between timing rounds, so the
harness can interleave rounds of the three engines. A request that takes longer
than its time-out, or a worker that dies (a crash in a native library), becomes
an EngineError and the worker is restarted on the next request.
"""
import json
import queue
import subprocess
import threading


class EngineError(Exception):
    """An engine could not do what was asked; str() is a one-line reason."""


class JsonWorker:
    def __init__(self, argv, env=None, cwd=None, label="worker"):
        self.argv = argv          # command line of the worker
        self.env = env            # its environment (None: inherit)
        self.cwd = cwd            # its working directory
        self.label = label        # name used in error messages
        self.proc = None          # the running subprocess.Popen, or None
        self.lines = None         # queue of stdout lines (None at EOF)
        self.stderr_tail = []     # last lines the worker wrote on stderr

    def _start(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=self.env, cwd=self.cwd, text=True,
                                     bufsize=1)
        self.lines = queue.Queue()
        self.stderr_tail = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._pump_err, args=(self.proc.stderr,), daemon=True).start()

    @staticmethod
    def _pump(stream, q):
        for line in stream:
            q.put(line)
        q.put(None)

    def _pump_err(self, stream):
        for line in stream:
            self.stderr_tail = (self.stderr_tail + [line.rstrip()])[-20:]

    def request(self, timeout, **req):
        """Send one request, return its reply dict; raise EngineError on failure."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        try:
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
        except OSError:
            pass  # reported below as the worker's death
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.close()
                raise EngineError(f"timed out after {timeout:.0f} s") from None
            if line is None:
                rc = self.proc.wait()
                why = f"killed by signal {-rc}" if rc < 0 else f"exited with status {rc}"
                tail = next((ln for ln in reversed(self.stderr_tail) if ln.strip()), "")
                self.proc = None
                raise EngineError(f"{self.label} {why}" + (f": {tail}" if tail else ""))
            line = line.strip()
            if not line.startswith("{"):
                continue  # stray output from a library
            reply = json.loads(line)
            if not reply.get("ok"):
                raise EngineError(reply.get("error", "unknown error"))
            return reply

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
