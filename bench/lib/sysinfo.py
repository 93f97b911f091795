"""What machine and software a benchmark ran on, for the header of every report."""
import os
import platform
import subprocess


def _cpuinfo():
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                k, _, v = line.partition(":")
                info[k.strip()] = v.strip()
    except OSError:
        pass
    return info


def isa_of(flags):
    """The widest vector ISA in a /proc/cpuinfo flag set, with its notable extensions."""
    flags = set(flags)
    if "avx512f" in flags:
        ext = [name for flag, name in (("avx512bw", "BW"), ("avx512vl", "VL"), ("avx512dq", "DQ"),
                                       ("avx512_vnni", "VNNI"), ("avx512_bf16", "BF16"),
                                       ("avx512_fp16", "FP16"), ("amx_tile", "AMX")) if flag in flags]
        return "AVX-512 (F " + " ".join(ext) + ")" if ext else "AVX-512F"
    if "avx2" in flags:
        return "AVX2" + (" + FMA" if "fma" in flags else "")
    if "avx" in flags:
        return "AVX"
    return "SSE4.2" if "sse4_2" in flags else "x86-64"


def _mem_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    return None


def _cmd(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def machine(repo):
    """A dict of machine facts: cpu, isa, cores, memory, os, compiler, git commit."""
    ci = _cpuinfo()
    cpu = ci.get("model name", platform.processor() or "unknown CPU")
    if "cpu family" in ci:
        cpu += f" (family {ci['cpu family']}, model {ci.get('model', '?')})"
    mem = _mem_gib()
    os_name = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    commit = _cmd(["git", "-C", repo, "rev-parse", "--short", "HEAD"])
    dirty = _cmd(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"])
    return {
        "cpu": cpu,
        "isa": isa_of(ci.get("flags", "").split()),
        "cores": os.cpu_count(),
        "memory": f"{mem:.0f} GiB" if mem else "?",
        "os": os_name or platform.platform(),
        "cc": (_cmd([os.environ.get("CC", "cc"), "--version"]).splitlines() or ["?"])[0],
        "commit": (commit + ("+changes" if dirty else "")) if commit else "?",
        "node": _cmd(["node", "--version"]),
    }
