#!/usr/bin/env python3
# Fallback for bench/helpers.c where no C compiler is installed: the same modes, the same output.
# Python's own start-up and per-fork cost are larger, so the bench marks results made with it.
import os
import signal
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
    else:
        sys.stderr.write('usage: helpers.py timeit CMD... | receiver FIFO | burst FIFO N | churn DONEFILE\n')
        sys.exit(2)


if __name__ == '__main__':
    main()
