#!/usr/bin/env python3
"""Write BUNDLE/config.json for lamina-oci's tests: runc's default config (`runc spec`'s, written
out here so the tests need no runc), with changes given as PATH=JSON arguments:

    config.py BUNDLE process.args='["sh","-c","echo hi"]' linux.sysctl='{"kernel.msgmax":"4096"}'
    config.py BUNDLE -linux.maskedPaths        # remove a key
    config.py BUNDLE +linux.namespaces='{"type":"user"}'   # append to a list
    config.py BUNDLE --seccomp-from-docker PROFILE.json ...  # linux.seccomp, as Docker makes it

PATH is dotted; a number indexes a list.  The root is BUNDLE/rootfs."""
import json
import os
import sys

CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
BASE = {
    "ociVersion": "1.0.2-dev",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        "cwd": "/",
        "capabilities": {"bounding": CAPS, "effective": CAPS, "permitted": CAPS, "ambient": CAPS},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "lamina-oci-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "cgroup")],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                        "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}


def walk(doc, path, create=True):
    keys = path.split(".")
    for k in keys[:-1]:
        if isinstance(doc, list):
            doc = doc[int(k)]
        else:
            if k not in doc and create:
                doc[k] = {}
            doc = doc[k]
    last = keys[-1]
    return doc, int(last) if isinstance(doc, list) else last


def docker_to_oci(profile, caps):
    """linux.seccomp from a Docker profile, as Docker turns one into a config for runc: the
    entries whose includes/excludes fit these capabilities on amd64, archMap's x86_64 entry."""
    out = {"defaultAction": profile["defaultAction"], "syscalls": []}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    arches = []
    for m in profile.get("archMap", []):
        if m["architecture"] == "SCMP_ARCH_X86_64":
            arches = [m["architecture"]] + m.get("subArchitectures", [])
    out["architectures"] = arches or profile.get("architectures", [])
    for s in profile["syscalls"]:
        inc, exc = s.get("includes", {}), s.get("excludes", {})
        if any(c not in caps for c in inc.get("caps", [])):
            continue
        if inc.get("arches") and "amd64" not in inc["arches"]:
            continue
        if "minKernel" in inc:
            want = tuple(int(x) for x in inc["minKernel"].split("."))
            have = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
            if have < want:
                continue
        if any(c in caps for c in exc.get("caps", [])):
            continue
        if "amd64" in exc.get("arches", []):
            continue
        e = {"names": s["names"], "action": s["action"]}
        for k in ("errnoRet", "args"):
            if k in s:
                e[k] = s[k]
        out["syscalls"].append(e)
    return out


def main():
    bundle = sys.argv[1]
    doc = json.loads(json.dumps(BASE))
    args = sys.argv[2:]
    if "--seccomp-from-docker" in args:
        i = args.index("--seccomp-from-docker")
        with open(args[i + 1]) as f:
            doc["linux"]["seccomp"] = docker_to_oci(json.load(f), CAPS)
        del args[i:i + 2]
    for arg in args:
        if arg.startswith("-"):
            parent, key = walk(doc, arg[1:], create=False)
            del parent[key]
            continue
        path, _, value = arg.partition("=")
        append = path.startswith("+")
        parent, key = walk(doc, path.lstrip("+"))
        if append:
            parent.setdefault(key, []).append(json.loads(value))
        else:
            parent[key] = json.loads(value)
    with open(bundle + "/config.json", "w") as f:
        json.dump(doc, f, indent=1)


main()
