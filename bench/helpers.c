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
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
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

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "timeit") == 0) return timeit(argv + 2);
  if (argc == 3 && strcmp(argv[1], "receiver") == 0) return receiver(argv[2]);
  if (argc == 4 && strcmp(argv[1], "burst") == 0) return burst(argv[2], atoi(argv[3]));
  if (argc == 3 && strcmp(argv[1], "churn") == 0) return churn(argv[2]);
  fprintf(stderr, "usage: helpers timeit CMD... | receiver FIFO | burst FIFO N | churn DONEFILE\n");
  return 2;
}
