// The bench's helpers, compiled at bench time into a temporary directory (gcc -O2). One binary,
// one mode per first argument. Every time is CLOCK_MONOTONIC, the clock of Node's process.hrtime.
//
//   timeit CMD ARGS...    run CMD once; print "<wall ns> <wait status> <cpu ns>": wall time from
//                         spawn to waitpid, cpu = user+system time of CMD and its waited-for children
//   receiver FIFO         block SIGUSR1, then write "<monotonic ns>\n" to FIFO for each one
//                         received (the first line, "ready", is written once the mask is set)
//   burst FIFO N          fork N processes that open FIFO for reading, then orphan them (their
//                         parent exits): they block until the FIFO's last writer closes it, then
//                         all exit at once; this process stays alive (pause) as the init's child
//   churn DONEFILE        for each line "<n>" read on stdin: make n orphans that exit at once,
//                         in batches, then write the running total to DONEFILE
//   gate GATE CMD ARGS... reset every signal to default and unblock all, name itself bench-gate,
//                         wait for a byte on the FIFO GATE, then exec CMD (so a watcher outside
//                         can be polling before the exec)
//   sigready PID GATE MS CHILD [PAUSE_NS]
//                         open /proc/PID/status, release PID (a `gate`) and poll the status,
//                         sleeping PAUSE_NS between reads (default 0: a tight loop), at real-time
//                         priority where allowed: whether a SIGTERM sent now would be kept (TERM
//                         in SigBlk or SigCgt, or PID waits in sigtimedwait) or dropped; stop MS
//                         ms after PID has a child named CHILD (its main child: a launcher's own
//                         short-lived children do not count); print the times from the exec (the
//                         midpoint of the polls before and after it), on one line of key=value
//   flood PORT CONNS N [CAP]
//                         CONNS connections to 127.0.0.1:PORT, each sent pipelined GET /metrics as
//                         fast as the kernel takes them (at most CAP on one connection, if given),
//                         nothing ever read; a connection closed by the server (or, once CAP
//                         were sent, answered) is opened again; stop after N requests written
//                         (0: at SIGTERM) and print "<requests> <connections opened> <ns>"
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int timeit(char **argv) {
  long long t0 = now_ns();
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
  if (rc != 0) {
    fprintf(stderr, "timeit: cannot run %s: %s\n", argv[0], strerror(rc));
    return 127;
  }
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
  long long t1 = now_ns();
  long long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL
    + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
  printf("%lld %d %lld\n", t1 - t0, status, cpu);
  return 0;
}

static int receiver(const char *fifo) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int fd = open(fifo, O_WRONLY);
  if (fd < 0) { perror("receiver: open"); return 1; }
  if (write(fd, "ready\n", 6) != 6) return 1;
  for (;;) {
    int sig = sigwaitinfo(&set, NULL);
    if (sig < 0) continue;
    long long t = now_ns();
    char line[32];
    int n = snprintf(line, sizeof line, "%lld\n", t);
    if (write(fd, line, n) != n) return 1;
  }
}

/** Children (live or zombie) of process pid, over all its threads. */
static int count_children(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *dir = opendir(path);
  if (!dir) return -1;
  int count = 0;
  struct dirent *e;
  static char buf[1 << 16];
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char file[300];
    snprintf(file, sizeof file, "/proc/%d/task/%s/children", pid, e->d_name);
    int fd = open(file, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n;
    int in_word = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == ' ' || buf[i] == '\n') in_word = 0;
        else if (!in_word) { in_word = 1; count++; }
      }
    }
    close(fd);
  }
  closedir(dir);
  return count;
}

static int burst(const char *fifo, int n) {
  pid_t h = fork();
  if (h < 0) { perror("burst: fork"); return 1; }
  if (h == 0) {
    int ready[2];
    if (pipe(ready) != 0) _exit(1);
    for (int i = 0; i < n; i++) {
      pid_t c = fork();
      if (c < 0) { perror("burst: fork"); _exit(1); }
      if (c == 0) {
        close(ready[0]);
        int fd = open(fifo, O_RDONLY);
        char b = 1;
        if (write(ready[1], &b, 1) != 1) _exit(1);
        close(ready[1]);
        while (fd >= 0 && read(fd, &b, 1) != 0) {
          if (errno != EINTR) break;
        }
        _exit(0);
      }
    }
    close(ready[1]);
    char buf[256];
    int got = 0;
    while (got < n) {
      ssize_t r = read(ready[0], buf, sizeof buf);
      if (r <= 0) break;
      got += r;
    }
    _exit(0);  // the n children are orphans now, blocked on the FIFO
  }
  int status;
  while (waitpid(h, &status, 0) < 0 && errno == EINTR) {}
  for (;;) pause();
}

static int churn(const char *donefile) {
  pid_t reaper = getppid();
  long long total = 0;
  char line[64];
  const int batch = 100;
  // A backlog of unreaped orphans is capped so a slow reaper cannot exhaust the pid table.
  const int max_backlog = 1000;
  while (fgets(line, sizeof line, stdin)) {
    long want = atol(line);
    for (long done = 0; done < want; done += batch) {
      while (count_children(reaper) > max_backlog) usleep(200);
      pid_t h = fork();
      if (h < 0) { usleep(1000); done -= batch; continue; }
      if (h == 0) {
        int gate[2];
        if (pipe(gate) != 0) _exit(1);
        for (int i = 0; i < batch; i++) {
          pid_t c = fork();
          if (c == 0) {
            close(gate[1]);
            char b;
            while (read(gate[0], &b, 1) < 0 && errno == EINTR) {}
            _exit(0);
          }
        }
        _exit(0);  // closes the gate: the batch, orphaned now, exits together
      }
      int status;
      while (waitpid(h, &status, 0) < 0 && errno == EINTR) {}
    }
    total += want;
    while (count_children(reaper) > 1) usleep(500);
    FILE *f = fopen(donefile, "w");
    if (!f) { perror("churn: fopen"); return 1; }
    fprintf(f, "%lld\n", total);
    fclose(f);
  }
  for (;;) pause();
}

static int gate(const char *fifo, char **argv) {
  prctl(PR_SET_NAME, "bench-gate");
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  int fd = open(fifo, O_RDONLY);
  char b;
  if (fd < 0 || read(fd, &b, 1) != 1) { perror("gate: read"); return 1; }
  close(fd);
  execvp(argv[0], argv);
  perror("gate: exec");
  return 127;
}

/** One field of /proc/<pid>/status, as text up to the end of its line. */
static const char *field(const char *status, const char *name) {
  const char *p = strstr(status, name);
  return p ? p + strlen(name) : NULL;
}

/* A change of state seen by sigready: time from the exec, kept or dropped, the process's name. */
struct event { long long t; int safe; char name[16]; };

/** Whether one of the children listed in the open children file is named `name` (comm). */
static int has_child_named(int children_fd, const char *name) {
  char list[4096];
  ssize_t n = pread(children_fd, list, sizeof list - 1, 0);
  if (n <= 0) return 0;
  list[n] = 0;
  for (char *w = strtok(list, " \n"); w; w = strtok(NULL, " \n")) {
    char path[64], comm[32];
    snprintf(path, sizeof path, "/proc/%s/comm", w);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t c = read(fd, comm, sizeof comm - 1);
    close(fd);
    if (c <= 0) continue;
    comm[c] = 0;
    if (comm[c - 1] == '\n') comm[c - 1] = 0;
    if (strcmp(comm, name) == 0) return 1;
  }
  return 0;
}

static int in_sigtimedwait(pid_t pid) {
  char path[64], text[64];
  snprintf(path, sizeof path, "/proc/%d/syscall", pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return 0;
  text[n] = 0;
  return atol(text) == SYS_rt_sigtimedwait && text[0] >= '0' && text[0] <= '9';
}

static int sigready(pid_t pid, const char *fifo, int settle_ms, const char *child, long pause_ns) {
  /* Real-time priority where allowed, so that other work on the machine does not leave gaps in
     the polling (the gaps are reported either way). */
  struct sched_param rt = { .sched_priority = 1 };
  int fifo_sched = sched_setscheduler(0, SCHED_FIFO, &rt) == 0;
  struct timespec pause = { 0, pause_ns };
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  int st = open(path, O_RDONLY);
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
  int ch = open(path, O_RDONLY);
  if (st < 0 || ch < 0) { perror("sigready: open /proc"); return 1; }
  int g = open(fifo, O_WRONLY);
  if (g < 0 || write(g, "x", 1) != 1) { perror("sigready: gate"); return 1; }
  close(g);
  static char buf[8192];
  static struct event ev[256];
  int nev = 0;
  long long edges = 0, gap_at = 0, t_pre = 0, t_exec = -1, t_prev = 0, t_child = -1, t_safe = 0, unsafe = 0, gap_max = 0;
  long long polls = 0, child_check = 0;
  long long t_unsafe_from = -1; /* midpoint estimate of when the current unsafe span began */
  int prev_safe = -1, prev_kept = -1;
  char prev_name[16] = "";
  long long deadline = now_ns() + 30000000000LL;
  for (;; nanosleep(&pause, NULL)) {
    long long t = now_ns();
    ssize_t n = pread(st, buf, sizeof buf - 1, 0);
    if (n <= 0) { fprintf(stderr, "sigready: process %d gone\n", pid); return 1; }
    buf[n] = 0;
    polls++;
    char name[16] = "";
    const char *nm = field(buf, "Name:\t");
    if (nm) { int i = 0; while (nm[i] && nm[i] != '\n' && i < 15) { name[i] = nm[i]; i++; } name[i] = 0; }
    if (t_exec < 0 && strcmp(name, "bench-gate") == 0) { t_pre = t; t_prev = t; continue; }
    if (t_exec < 0) {
      t_exec = t_pre ? (t_pre + t) / 2 : t;
      edges += t_pre ? (t - t_pre) / 2 : 0;
    }
    const char *blk = field(buf, "SigBlk:\t"), *cgt = field(buf, "SigCgt:\t");
    unsigned long long mask = (blk ? strtoull(blk, NULL, 16) : 0) | (cgt ? strtoull(cgt, NULL, 16) : 0);
    int safe = (int)(mask >> (SIGTERM - 1)) & 1;
    /* In sigtimedwait the kernel unblocks the awaited signals in SigBlk while the caller sleeps;
       it keeps the mask it had (real_blocked, not in /proc) and a signal in it is queued. tini
       blocks every signal before it waits; a caller that did not would be taken for safe here. */
    if (!safe && in_sigtimedwait(pid)) safe = 2;
    int kept = safe != 0;
    long long mid = prev_kept < 0 ? t_exec : (t_prev + t) / 2;
    if (prev_kept >= 0 && t - t_prev > gap_max) { gap_max = t - t_prev; gap_at = t_prev - t_exec; }
    if (prev_kept >= 0 && kept != prev_kept) edges += t - t_prev;
    if (safe != prev_safe || strcmp(name, prev_name) != 0) {
      if (nev < 256) { ev[nev].t = mid - t_exec; ev[nev].safe = safe; memcpy(ev[nev].name, name, 16); nev++; }
      prev_safe = safe;
      memcpy(prev_name, name, 16);
    }
    if (!kept && prev_kept != 0) t_unsafe_from = mid;
    if (kept && prev_kept == 0) { unsafe += mid - t_unsafe_from; t_safe = mid; }
    if (kept && prev_kept < 0) t_safe = t_exec;
    prev_kept = kept;
    t_prev = t;
    if (t_child < 0 && t - child_check > 1000000) {
      child_check = t;
      if (has_child_named(ch, child)) t_child = t;
    }
    if (t_child >= 0 && t - t_child > settle_ms * 1000000LL) break;
    if (t > deadline) { fprintf(stderr, "sigready: no child of %d within 30 s\n", pid); return 1; }
  }
  if (!prev_kept) { unsafe += t_prev - t_unsafe_from; t_safe = -1; }
  printf("safe_ns=%lld unsafe_ns=%lld edges_ns=%lld child_ns=%lld polls=%lld max_gap_ns=%lld gap_at_ns=%lld rt=%d events=",
    t_safe < 0 ? -1 : t_safe - t_exec, unsafe, edges, t_child - t_exec, polls, gap_max, gap_at, fifo_sched);
  for (int i = 0; i < nev; i++) printf("%s%lld:%s:%s", i ? "," : "", ev[i].t, ev[i].safe == 2 ? "kept-sigtimedwait" : ev[i].safe ? "kept" : "dropped", ev[i].name);
  printf("\n");
  return 0;
}

static volatile sig_atomic_t flood_stop;
static void on_term(int sig) { (void)sig; flood_stop = 1; }

static int flood_connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) { close(fd); return -1; }
  return fd;
}

static int flood(int port, int conns, long long total, long long cap) {
  static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  const long long len = sizeof req - 1;
  static char buf[1 << 16];
  const long long per = sizeof buf / len; /* whole requests in the buffer */
  for (long long i = 0; i < per; i++) memcpy(buf + i * len, req, len);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_term);
  struct pollfd *p = calloc(conns, sizeof *p);
  long long *sent = calloc(conns, sizeof *sent); /* bytes on this connection */
  long long requests = 0, opened = 0, t0 = now_ns();
  for (int i = 0; i < conns; i++) { p[i].fd = flood_connect(port); p[i].events = POLLOUT | POLLRDHUP; opened++; }
  while (!flood_stop && (total == 0 || requests < total)) {
    if (poll(p, conns, 100) < 0 && errno != EINTR) { perror("flood: poll"); return 1; }
    for (int i = 0; i < conns && (total == 0 || requests < total); i++) {
      short ev = p[i].revents;
      /* The server answered (POLLIN: never read), hung up, or reset: this connection is done. */
      int over = p[i].fd < 0 || ev & (POLLERR | POLLHUP | POLLRDHUP) || (cap && ev & POLLIN);
      if (!over && ev & POLLOUT) {
        long long off = sent[i] % len, room = per * len - off;
        if (total && (total - requests) * len - off < room) room = (total - requests) * len - off;
        if (cap && cap * len - sent[i] < room) room = cap * len - sent[i];
        ssize_t n = send(p[i].fd, buf + off, room, MSG_NOSIGNAL);
        if (n > 0) {
          requests += (off + n) / len;
          sent[i] += n;
          if (cap && sent[i] >= cap * len) p[i].events = POLLRDHUP | POLLIN; /* all sent: wait for the close */
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        over = 1;
      }
      if (!over) continue;
      if (p[i].fd >= 0) close(p[i].fd);
      p[i].fd = flood_connect(port);
      p[i].events = POLLOUT | POLLRDHUP;
      sent[i] = 0;
      opened++;
    }
  }
  printf("%lld %lld %lld\n", requests, opened, now_ns() - t0);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "timeit") == 0) return timeit(argv + 2);
  if (argc == 3 && strcmp(argv[1], "receiver") == 0) return receiver(argv[2]);
  if (argc == 4 && strcmp(argv[1], "burst") == 0) return burst(argv[2], atoi(argv[3]));
  if (argc == 3 && strcmp(argv[1], "churn") == 0) return churn(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "gate") == 0) return gate(argv[2], argv + 3);
  if ((argc == 6 || argc == 7) && strcmp(argv[1], "sigready") == 0)
    return sigready(atoi(argv[2]), argv[3], atoi(argv[4]), argv[5], argc == 7 ? atol(argv[6]) : 0);
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "flood") == 0)
    return flood(atoi(argv[2]), atoi(argv[3]), atoll(argv[4]), argc == 6 ? atoll(argv[5]) : 0);
  fprintf(stderr, "usage: helpers timeit CMD... | receiver FIFO | burst FIFO N | churn DONEFILE\n"
    "       | gate GATE CMD... | sigready PID GATE MS CHILD [PAUSE_NS] | flood PORT CONNS N [CAP]\n");
  return 2;
}
