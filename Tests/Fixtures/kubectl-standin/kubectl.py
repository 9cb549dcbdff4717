"""A stand-in `kubectl` for the Kubernetes executor's tests: no API server.

It records each call's arguments (one JSON array a line) in
$KUBECTL_STANDIN/calls.log and keeps its "cluster" in $KUBECTL_STANDIN/jobs/:

  create -f FILE | apply -f FILE|-   reads the Job manifest (YAML), refuses it
                                     unless it is a batch/v1 Job, and runs the
                                     first container's command + args on this
                                     machine, in the background, in its own
                                     session (as a pod would), with the data of
                                     the Secret its envFrom names
                                     ($KUBECTL_STANDIN/secrets/NAME, KEY=VALUE lines)
  get jobs [-l K=V] -o json          lists the Jobs: Complete or Failed once
                                     their process exited (by its status),
                                     else active; deleted ones go once exited
  standin-kill NAME [SECONDS]        (not kubectl) SIGKILL to every process of
                                     the pod, found by its environment
  delete job NAME ...                SIGTERM to the pod's first process only
                                     (as the kubelet does), SIGKILL to its whole
                                     session after terminationGracePeriodSeconds

The pod's environment is the caller's minus anything that looks like a
credential (a real pod has only its image's), plus the Secret's data.
Run with a Python that has PyYAML (the kubernetes-validate venv).
"""
import json, os, signal, subprocess, sys, time
import yaml

STATE = os.environ["KUBECTL_STANDIN"]
JOBS = os.path.join(STATE, "jobs")
MARKER = "KUBECTL_STANDIN_POD"
WRAPPER = 'pidfile=$1; exitfile=$2; shift 2; "$@" & echo $! > "$pidfile"; wait $!; echo $? > "$exitfile"'


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def secret_environment(manifest):
    environment = {}
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    for source in container.get("envFrom", []):
        name = source.get("secretRef", {}).get("name")
        data = read(os.path.join(STATE, "secrets", name or ""))
        if data is None:
            if source["secretRef"].get("optional"):
                continue
            sys.exit(f"stand-in: secret {name} not found")
        for line in data.splitlines():
            key, _, value = line.partition("=")
            environment[key] = value
    for entry in container.get("env", []):
        # The Downward API's node name is the only reference the stand-in resolves.
        field = entry.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        environment[entry["name"]] = "standin-node" if field == "spec.nodeName" else entry.get("value", "")
    return environment


def create(arguments):
    path = arguments[arguments.index("-f") + 1]
    text = sys.stdin.read() if path == "-" else open(path).read()
    manifest = yaml.safe_load(text)
    if manifest.get("apiVersion") != "batch/v1" or manifest.get("kind") != "Job":
        sys.exit("stand-in: not a batch/v1 Job")
    name = manifest["metadata"]["name"]
    folder = os.path.join(JOBS, name)
    if os.path.exists(folder):
        sys.exit(f'Error from server (AlreadyExists): jobs.batch "{name}" already exists')
    os.makedirs(folder)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    command = container.get("command", []) + container.get("args", [])
    environment = {key: value for key, value in os.environ.items()
                   if not any(word in key for word in ("API_KEY", "TOKEN", "SECRET", "PASSWORD"))}
    environment.update(secret_environment(manifest))
    environment[MARKER] = name  # how every process of the pod is found again
    log = open(os.path.join(folder, "pod.log"), "w")
    subprocess.Popen(["/bin/sh", "-c", WRAPPER, "pod", os.path.join(folder, "pid"), os.path.join(folder, "exit")] + command,
                     env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                     cwd="/")
    while read(os.path.join(folder, "pid")) is None:
        time.sleep(0.01)
    print(f"job.batch/{name}")


def status(folder):
    pid, code = read(os.path.join(folder, "pid")), read(os.path.join(folder, "exit"))
    if pid and alive(int(pid)):
        return {"active": 1}
    if code == "0":
        return {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
    return {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}


def get(arguments):
    selector = arguments[arguments.index("-l") + 1] if "-l" in arguments else None
    items = []
    for name in sorted(os.listdir(JOBS)) if os.path.isdir(JOBS) else []:
        folder = os.path.join(JOBS, name)
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        labels = manifest["metadata"].get("labels", {})
        if selector and any(labels.get(k) != v for k, v in (term.split("=", 1) for term in selector.split(","))):
            continue
        state = status(folder)
        if os.path.exists(os.path.join(folder, "deleted")) and "active" not in state:
            continue  # foreground deletion: the Job goes once its pod has
        items.append({"apiVersion": "batch/v1", "kind": "Job", "metadata": manifest["metadata"], "status": state})
    print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))


def delete(arguments):
    name = arguments[arguments.index("job") + 1]
    folder = os.path.join(JOBS, name)
    if not os.path.isdir(folder):
        sys.exit(f'Error from server (NotFound): jobs.batch "{name}" not found')
    open(os.path.join(folder, "deleted"), "w").close()
    pid = int(read(os.path.join(folder, "pid")))
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    grace = manifest["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    # The kubelet's SIGKILL after the grace period, to every process of the pod.
    subprocess.Popen([sys.executable, os.path.abspath(__file__), "standin-kill", name, str(grace)],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)
    print(f'job.batch "{name}" deleted')


def kill_pod(arguments):
    """Not kubectl: SIGKILL to every process of a pod, after an optional
    delay; the tests' way to kill a Job from outside (a node dying)."""
    name = arguments[1]
    if len(arguments) > 2:
        time.sleep(float(arguments[2]))
    marker = f"{MARKER}={name}".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass


def main():
    arguments = sys.argv[1:]
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "calls.log"), "a") as f:
        f.write(json.dumps(arguments) + "\n")
    # Global options come before the verb.
    rest = list(arguments)
    while rest and rest[0] in ("--context", "--namespace", "-n"):
        rest = rest[2:]
    verb = rest[0] if rest else ""
    if verb in ("create", "apply"):
        create(rest)
    elif verb == "get" and rest[1:2] == ["jobs"]:
        get(rest)
    elif verb == "delete" and rest[1:2] == ["job"]:
        delete(rest)
    elif verb == "standin-kill":
        kill_pod(rest)
    else:
        sys.exit(f"stand-in: unsupported call {arguments}")


main()
