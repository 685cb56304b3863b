#!/usr/bin/env python3
# Fallback for bench/helpers.c where no C compiler is installed: the same modes, the same output.
# Python's own start-up and per-fork cost are larger, so the bench marks results made with it.
import ctypes
import os
import selectors
import signal
import socket
import sys
import time


def now_ns():
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def count_children(pid):
    count = 0
    try:
        tasks = os.listdir(f'/proc/{pid}/task')
    except OSError:
        return -1
    for tid in tasks:
        try:
            with open(f'/proc/{pid}/task/{tid}/children') as f:
                count += len(f.read().split())
        except OSError:
            pass
    return count


def timeit(argv):
    t0 = now_ns()
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, ru = os.wait4(pid, 0)
    cpu = round((ru.ru_utime + ru.ru_stime) * 1e9)
    print(f'{now_ns() - t0} {status} {cpu}', flush=True)


def receiver(fifo):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    fd = os.open(fifo, os.O_WRONLY)
    os.write(fd, b'ready\n')
    while True:
        signal.sigwaitinfo({signal.SIGUSR1})
        os.write(fd, f'{now_ns()}\n'.encode())


def burst(fifo, n):
    h = os.fork()
    if h == 0:
        r, w = os.pipe()
        for _ in range(n):
            if os.fork() == 0:
                os.close(r)
                fd = os.open(fifo, os.O_RDONLY)
                os.write(w, b'x')
                os.close(w)
                os.read(fd, 1)
                os._exit(0)
        os.close(w)
        got = 0
        while got < n:
            b = os.read(r, 256)
            if not b:
                break
            got += len(b)
        os._exit(0)
    os.waitpid(h, 0)
    while True:
        signal.pause()


def churn(donefile):
    reaper = os.getppid()
    total = 0
    batch = 100
    for line in sys.stdin:
        want = int(line)
        done = 0
        while done < want:
            while count_children(reaper) > 1000:
                time.sleep(0.0002)
            h = os.fork()
            if h == 0:
                r, w = os.pipe()
                for _ in range(batch):
                    if os.fork() == 0:
                        os.close(w)
                        os.read(r, 1)
                        os._exit(0)
                os._exit(0)
            os.waitpid(h, 0)
            done += batch
        total += want
        while count_children(reaper) > 1:
            time.sleep(0.0005)
        with open(donefile, 'w') as f:
            f.write(f'{total}\n')
    while True:
        signal.pause()


def gate(fifo, argv):
    libc = ctypes.CDLL(None)
    libc.prctl(15, b'bench-gate', 0, 0, 0)  # PR_SET_NAME
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    for sig in range(1, signal.NSIG):
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
    with open(fifo, 'rb') as f:
        f.read(1)
    os.execvp(argv[0], argv)


def has_child_named(pid, name):
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            kids = f.read().split()
    except OSError:
        return False
    for kid in kids:
        try:
            with open(f'/proc/{kid}/comm') as f:
                if f.read().strip() == name:
                    return True
        except OSError:
            pass
    return False


def in_sigtimedwait(pid):
    try:
        with open(f'/proc/{pid}/syscall') as f:
            return f.read().split()[0] == str({'x86_64': 128, 'aarch64': 137}.get(os.uname().machine, -1))
    except (OSError, IndexError):
        return False


def sigready(pid, fifo, settle_ms, child, pause_ns):
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        rt = 1
    except OSError:
        rt = 0
    st = os.open(f'/proc/{pid}/status', os.O_RDONLY)
    with open(fifo, 'wb') as g:
        g.write(b'x')
    events, edges, gap_max, gap_at, polls, unsafe = [], 0, 0, 0, 0, 0
    t_pre = t_exec = t_child = None
    t_prev = child_check = t_safe = t_unsafe_from = 0
    prev_kept = prev_safe = None
    prev_name = ''
    deadline = now_ns() + 30 * 10**9
    while True:
        if pause_ns:
            time.sleep(pause_ns / 1e9)
        t = now_ns()
        text = os.pread(st, 8192, 0).decode()
        if not text:
            sys.exit(f'sigready: process {pid} gone')
        polls += 1
        fields = dict(line.split(':', 1) for line in text.splitlines() if ':' in line)
        name = fields.get('Name', '').strip()
        if t_exec is None and name == 'bench-gate':
            t_pre = t_prev = t
            continue
        if t_exec is None:
            t_exec = (t_pre + t) // 2 if t_pre else t
            edges += (t - t_pre) // 2 if t_pre else 0
        mask = int(fields.get('SigBlk', '0'), 16) | int(fields.get('SigCgt', '0'), 16)
        safe = (mask >> (signal.SIGTERM - 1)) & 1
        if not safe and in_sigtimedwait(pid):
            safe = 2
        kept = int(safe != 0)
        mid = t_exec if prev_kept is None else (t_prev + t) // 2
        if prev_kept is not None and t - t_prev > gap_max:
            gap_max, gap_at = t - t_prev, t_prev - t_exec
        if prev_kept is not None and kept != prev_kept:
            edges += t - t_prev
        if safe != prev_safe or name != prev_name:
            events.append(f"{mid - t_exec}:{['dropped', 'kept', 'kept-sigtimedwait'][safe]}:{name}")
            prev_safe, prev_name = safe, name
        if not kept and prev_kept != 0:
            t_unsafe_from = mid
        if kept and prev_kept == 0:
            unsafe += mid - t_unsafe_from
            t_safe = mid
        if kept and prev_kept is None:
            t_safe = t_exec
        prev_kept = kept
        t_prev = t
        if t_child is None and t - child_check > 10**6:
            child_check = t
            if has_child_named(pid, child):
                t_child = t
        if t_child is not None and t - t_child > settle_ms * 10**6:
            break
        if t > deadline:
            sys.exit(f'sigready: no child of {pid} within 30 s')
    if not prev_kept:
        unsafe += t_prev - t_unsafe_from
        t_safe = None
    print(f"safe_ns={-1 if t_safe is None else t_safe - t_exec} unsafe_ns={unsafe} edges_ns={edges} "
          f"child_ns={t_child - t_exec} polls={polls} max_gap_ns={gap_max} gap_at_ns={gap_at} rt={rt} "
          f"events={','.join(events)}", flush=True)


def flood(port, conns, total, cap):
    request = b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'
    chunk = request * (65536 // len(request))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sel = selectors.DefaultSelector()
    sent = {}
    counts = {'requests': 0, 'opened': 0}

    def connect():
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(('127.0.0.1', port))
        sent[s] = 0
        counts['opened'] += 1
        sel.register(s, selectors.EVENT_WRITE)

    def again(s):
        sel.unregister(s)
        del sent[s]
        s.close()
        connect()

    t0 = now_ns()
    for _ in range(conns):
        connect()
    while not stop and (total == 0 or counts['requests'] < total):
        for key, events in sel.select(0.1):
            s = key.fileobj
            if events & selectors.EVENT_READ:  # answered or closed once all was sent: never read
                again(s)
                continue
            off = sent[s] % len(request)
            data = chunk[off:]
            if total:
                data = data[:(total - counts['requests']) * len(request) - off]
            if cap:
                data = data[:cap * len(request) - sent[s]]
            try:
                n = s.send(data)
            except BlockingIOError:
                continue
            except OSError:
                again(s)
                continue
            counts['requests'] += (off + n) // len(request)
            sent[s] += n
            if cap and sent[s] >= cap * len(request):
                sel.modify(s, selectors.EVENT_READ)
            if total and counts['requests'] >= total:
                break
    print(counts['requests'], counts['opened'], now_ns() - t0, flush=True)


def main():
    args = sys.argv[1:]
    mode = args[0] if args else ''
    if mode == 'timeit' and len(args) >= 2:
        timeit(args[1:])
    elif mode == 'receiver' and len(args) == 2:
        receiver(args[1])
    elif mode == 'burst' and len(args) == 3:
        burst(args[1], int(args[2]))
    elif mode == 'churn' and len(args) == 2:
        churn(args[1])
    elif mode == 'gate' and len(args) >= 3:
        gate(args[1], args[2:])
    elif mode == 'sigready' and len(args) in (5, 6):
        sigready(int(args[1]), args[2], int(args[3]), args[4], int(args[5]) if len(args) == 6 else 0)
    elif mode == 'flood' and len(args) in (4, 5):
        flood(int(args[1]), int(args[2]), int(args[3]), int(args[4]) if len(args) == 5 else 0)
    else:
        sys.stderr.write('usage: helpers.py timeit CMD... | receiver FIFO | burst FIFO N | churn DONEFILE\n'
                         '       | gate GATE CMD... | sigready PID GATE MS CHILD [PAUSE_NS] | flood PORT CONNS N [CAP]\n')
        sys.exit(2)


if __name__ == '__main__':
    main()
